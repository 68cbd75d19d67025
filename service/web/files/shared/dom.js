  // Shared by embed.js and admin.js: cmake/EmbedAssets.cmake pastes it over each one's include
  // line, inside that file's own scope (nothing here becomes a page global).
  // Rule: text is only ever added as text nodes, never parsed as HTML.

  // fill('{n} comments', {n: 3}): every {key} of values replaced, others left as they are.
  const fill = (template, values) =>
    template.replace(/\{(\w+)\}/g, (all, key) => (key in values ? String(values[key]) : all));

  // el('p', {class: 'x'}, 'text', child): attributes set as attributes, strings added as text.
  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value !== false && value != null) {
        node.setAttribute(name, value === true ? '' : value);
      }
    }
    for (const child of children) {
      if (child != null) {
        node.append(typeof child === 'string' ? document.createTextNode(child) : child);
      }
    }
    return node;
  };
