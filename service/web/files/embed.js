// The comments widget: fills every <div data-comments data-content-id="…"> on the page with the
// comments of that content (oldest first, "load more" through the API's Link header), their
// count and a form that posts a new one. Served by comments-service as /embed.js.
// Rules: text from the API is only ever inserted as text (never parsed as HTML); no inline
// script or style (works under a strict Content-Security-Policy); no third-party code.
(() => {
  'use strict';

  // Every string the widget shows. Translate here, or per box with data-text-<key> attributes
  // (data-text-submit="Senden"); {n}, {seconds} and {message} are filled in.
  const TEXT = {
    heading: 'Comments',
    loading: 'Loading comments…',
    countNone: 'No comments yet. Be the first!',
    countOne: '1 comment',
    countMany: '{n} comments',
    countAtLeast: 'More than {n} comments',
    loadMore: 'Load more comments',
    loadingMore: 'Loading…',
    retry: 'Try again',
    formHeading: 'Leave a comment',
    emailLabel: 'Email',
    emailHelpPublic: 'Required. Shown next to your comment.',
    emailHelpHash: 'Required. Never shown; used for your Gravatar picture.',
    emailHelpHidden: 'Required. Never shown.',
    emailHelpUnknown: 'Required.',
    commentLabel: 'Comment',
    submit: 'Post comment',
    posting: 'Posting…',
    posted: 'Your comment was posted.',
    anonymous: 'Anonymous',
    guest: 'Guest {n}',
    you: 'You',
    missingContentId: 'This comment box has no data-content-id.',
    errorLoad: 'The comments could not be loaded.',
    errorNetwork: 'The comment service could not be reached. Check your connection and try again.',
    errorInvalid: 'Your comment was not accepted: {message}',
    errorTooLarge: 'Your comment is too long. Please shorten it.',
    errorRateLimited: 'You are sending too many requests. Please wait {seconds} s and try again.',
    errorUnavailable: 'The comment service is busy. Please try again in a moment.',
    errorOther: 'Something went wrong (HTTP {n}). Please try again.',
  };

  const PAGE_SIZE = 20;
  const GRAVATAR = 'https://www.gravatar.com/avatar/';
  const script = document.currentScript;
  const scriptUrl = new URL(script ? script.src : 'embed.js', document.baseURI);

  // @include:dom.js@ (fill, el)

  const addStylesheet = () => {
    if (document.querySelector('link[data-comments-style]')) {
      return;
    }
    const href = new URL('@asset-url:embed.css@', scriptUrl).href;
    document.head.append(el('link', { rel: 'stylesheet', href, 'data-comments-style': true }));
  };

  // The API's JSON error {status, message}, or null when the body is something else.
  const apiError = async (response) => {
    try {
      const body = await response.json();
      return body && typeof body.message === 'string' ? body.message : null;
    } catch {
      return null;
    }
  };

  // A user-facing sentence for a failed response (or a failed fetch: response undefined).
  const describe = async (t, response) => {
    if (!response) {
      return t.errorNetwork;
    }
    switch (response.status) {
      case 400:
        return fill(t.errorInvalid, { message: (await apiError(response)) || '' });
      case 413:
        return t.errorTooLarge;
      case 429:
        return fill(t.errorRateLimited, { seconds: response.headers.get('Retry-After') || '1' });
      case 503:
        return t.errorUnavailable;
      default:
        return fill(t.errorOther, { n: response.status });
    }
  };

  // rel="next" of a Link header, kept only when it points back at the same API.
  const nextLink = (header, base) => {
    const match = /<([^>]*)>\s*;\s*rel="?next"?/.exec(header || '');
    if (!match) {
      return null;
    }
    const url = new URL(match[1], base);
    return url.origin === base.origin ? url : null;
  };

  class Widget {
    constructor(root) {
      this.root = root;
      this.contentId = root.dataset.contentId || '';
      this.api = new URL(root.dataset.api || '.', scriptUrl);
      this.t = { ...TEXT };
      for (const key of Object.keys(TEXT)) {
        const override = root.dataset['text' + key[0].toUpperCase() + key.slice(1)];
        if (override) {
          this.t[key] = override;
        }
      }
      this.shown = new Map(); // comment id → its <li>, so a page never shows one twice
      this.local = new Set(); // ids posted here and not yet loaded from the API
      this.next = null;
      this.loaded = 0;
      this.mode = 'unknown'; // how the service shows emails: public, hash, hidden
    }

    start() {
      const t = this.t;
      this.root.classList.add('cw');
      if (!this.contentId) {
        this.root.replaceChildren(el('p', { class: 'cw-error', role: 'alert' }, t.missingContentId));
        return;
      }
      const ids = `cw-${Math.random().toString(36).slice(2, 10)}`;
      this.count = el('p', { class: 'cw-count', 'aria-live': 'polite' }, t.loading);
      this.list = el('ol', { class: 'cw-list' });
      this.more = el('button', { type: 'button', class: 'cw-more', hidden: true }, t.loadMore);
      this.loadError = el('p', { class: 'cw-error', role: 'alert', hidden: true });
      this.retry = el('button', { type: 'button', class: 'cw-retry', hidden: true }, t.retry);
      this.email = el('input', {
        id: `${ids}-email`, name: 'email', type: 'email', required: true, autocomplete: 'email',
        'aria-describedby': `${ids}-email-help`,
      });
      this.emailHelp = el('span', { id: `${ids}-email-help`, class: 'cw-help' }, t.emailHelpUnknown);
      this.text = el('textarea', { id: `${ids}-text`, name: 'comment', required: true, rows: '4' });
      this.submit = el('button', { type: 'submit', class: 'cw-submit' }, t.submit);
      this.status = el('p', { class: 'cw-status', role: 'status' });
      this.postError = el('p', { class: 'cw-error', role: 'alert', hidden: true });
      this.form = el('form', { class: 'cw-form', 'aria-labelledby': `${ids}-form` },
        el('h3', { id: `${ids}-form`, class: 'cw-form-heading' }, t.formHeading),
        el('label', { for: `${ids}-email` }, t.emailLabel), this.email, this.emailHelp,
        el('label', { for: `${ids}-text` }, t.commentLabel), this.text,
        this.postError, el('div', { class: 'cw-actions' }, this.submit, this.status));
      this.root.replaceChildren(
        el('section', { class: 'cw-section', 'aria-labelledby': `${ids}-heading` },
          el('h2', { id: `${ids}-heading`, class: 'cw-heading' }, t.heading),
          this.count, this.list, this.loadError, this.retry, this.more, this.form));

      this.more.addEventListener('click', () => this.load(this.next));
      this.retry.addEventListener('click', () => this.load(this.next || this.firstPage()));
      this.form.addEventListener('submit', (event) => {
        event.preventDefault();
        this.post();
      });
      this.load(this.firstPage());
    }

    firstPage() {
      const url = new URL(`api/comment/list/${encodeURIComponent(this.contentId)}`, this.api);
      url.searchParams.set('limit', this.root.dataset.pageSize || String(PAGE_SIZE));
      return url;
    }

    async load(url) {
      const t = this.t;
      const first = this.loaded === 0 && this.local.size === 0;
      this.more.disabled = true;
      this.more.textContent = t.loadingMore;
      this.loadError.hidden = true;
      this.retry.hidden = true;
      let response;
      try {
        response = await fetch(url, { credentials: 'omit', headers: { Accept: 'application/json' } });
      } catch {
        response = undefined;
      }
      this.more.disabled = false;
      this.more.textContent = t.loadMore;
      if (response && response.status === 404 && !this.next) {
        this.next = null; // the API's answer for a content without comments
        this.showCount();
        return;
      }
      if (!response || !response.ok) {
        this.loadError.textContent = `${t.errorLoad} ${await describe(t, response)}`;
        this.loadError.hidden = false;
        this.retry.hidden = false;
        this.more.hidden = true;
        if (this.loaded + this.local.size === 0) {
          this.count.textContent = '';
        }
        return;
      }
      let comments;
      try {
        comments = await response.json();
      } catch {
        comments = null;
      }
      if (!Array.isArray(comments)) {
        this.loadError.textContent = t.errorLoad;
        this.loadError.hidden = false;
        this.retry.hidden = false;
        return;
      }
      this.next = nextLink(response.headers.get('Link'), this.api);
      let firstNew = null;
      for (const c of comments) {
        const item = this.add(c);
        firstNew = firstNew || item;
      }
      this.more.hidden = !this.next;
      this.showCount();
      // Keyboard and screen-reader users continue reading where the new page starts.
      if (!first && firstNew) {
        firstNew.focus();
      }
    }

    // Renders one comment from the API, in order before the ones posted here but not yet loaded.
    add(c) {
      if (!c || typeof c !== 'object' || typeof c.comment !== 'string') {
        return null;
      }
      const id = String(c.id);
      if (this.shown.has(id) && !this.local.has(id)) {
        return null;
      }
      this.learnMode(c);
      const item = this.render(c, false);
      const placeholder = this.shown.get(id);
      if (placeholder) {
        placeholder.remove();
        this.local.delete(id);
      }
      const firstLocal = [...this.list.children].find((li) => li.classList.contains('cw-local'));
      this.list.insertBefore(item, firstLocal || null);
      this.shown.set(id, item);
      this.loaded += 1;
      return item;
    }

    // The service shows each comment with email (public), email_hash (hash) or neither (hidden).
    learnMode(c) {
      const mode = typeof c.email === 'string' ? 'public'
        : typeof c.email_hash === 'string' ? 'hash' : 'hidden';
      if (mode !== this.mode) {
        this.mode = mode;
        const key = { public: 'emailHelpPublic', hash: 'emailHelpHash', hidden: 'emailHelpHidden' }[mode];
        this.emailHelp.textContent = this.t[key];
      }
    }

    render(c, mine) {
      const t = this.t;
      const hash = typeof c.email_hash === 'string' && /^[0-9a-f]{32,64}$/.test(c.email_hash)
        ? c.email_hash : null;
      let author = t.anonymous;
      if (mine) {
        author = t.you;
      } else if (typeof c.email === 'string' && c.email) {
        author = c.email;
      } else if (hash) {
        author = fill(t.guest, { n: hash.slice(0, 6) });
      }
      // One of eight colours, the same for the same author on every page.
      const hue = [...(hash || author)].reduce((h, ch) => (h * 31 + ch.codePointAt(0)) % 8, 0);
      const initial = el('span', {
        class: `cw-avatar cw-initial cw-hue-${hue}`,
        'aria-hidden': 'true',
      }, (author.match(/[\p{L}\p{N}]/u) || ['?'])[0].toUpperCase());
      let avatar = initial;
      if (hash && this.root.dataset.gravatar !== 'off') {
        avatar = el('img', {
          class: 'cw-avatar', src: `${GRAVATAR}${hash}?s=80&d=identicon`, alt: '', width: '40',
          height: '40', loading: 'lazy', decoding: 'async', referrerpolicy: 'no-referrer',
        });
        avatar.addEventListener('error', () => avatar.replaceWith(initial), { once: true });
      }
      const when = new Date(c.created_at);
      const time = Number.isNaN(when.getTime()) ? null
        : el('time', { datetime: c.created_at }, new Intl.DateTimeFormat(undefined, {
          dateStyle: 'medium', timeStyle: 'short',
        }).format(when));
      return el('li', { class: mine ? 'cw-comment cw-local' : 'cw-comment', tabindex: '-1' },
        avatar,
        el('div', { class: 'cw-body' },
          el('p', { class: 'cw-meta' }, el('span', { class: 'cw-author' }, author), ' ', time),
          el('p', { class: 'cw-text' }, c.comment)));
    }

    showCount() {
      const t = this.t;
      const n = this.loaded + this.local.size;
      this.count.textContent = this.next ? fill(t.countAtLeast, { n })
        : n === 0 ? t.countNone : n === 1 ? t.countOne : fill(t.countMany, { n });
    }

    async post() {
      const t = this.t;
      if (this.submit.disabled) {
        return;
      }
      const comment = this.text.value;
      this.submit.disabled = true;
      this.postError.hidden = true;
      this.status.textContent = t.posting;
      let response;
      try {
        response = await fetch(new URL('api/comment/new', this.api), {
          method: 'POST',
          credentials: 'omit',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          body: JSON.stringify({ email: this.email.value, comment, content_id: this.contentId }),
        });
      } catch {
        response = undefined;
      }
      this.submit.disabled = false;
      let created = null;
      if (response && response.ok) {
        try {
          created = await response.json();
        } catch {
          created = null;
        }
      }
      if (!created || created.id == null) {
        this.status.textContent = '';
        this.postError.textContent = await describe(t, response);
        this.postError.hidden = false;
        this.text.focus();
        return;
      }
      // Shown as "You" until a reload shows it the way the service shows it to everybody.
      const id = String(created.id);
      if (!this.shown.has(id)) {
        const item = this.render({ id, comment, created_at: new Date().toISOString() }, true);
        this.list.append(item);
        this.shown.set(id, item);
        this.local.add(id);
      }
      this.text.value = '';
      this.status.textContent = t.posted;
      this.showCount();
    }
  }

  const init = () => {
    const boxes = document.querySelectorAll('[data-comments]:not([data-comments-ready])');
    if (boxes.length > 0) {
      addStylesheet();
    }
    for (const root of boxes) {
      root.setAttribute('data-comments-ready', '');
      new Widget(root).start();
    }
  };

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
