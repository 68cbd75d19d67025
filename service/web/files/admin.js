// The moderation page (/admin): a moderator enters an admin token, then lists the newest
// comments across contents (filter by state and content id, "load more" by cursor), hides,
// unhides, approves and deletes them, blocks posters and lifts blocks, and reads the audit log,
// all through /api/admin/. Served by comments-service only when the moderation API is on.
// Rules: the token lives in sessionStorage only (gone when the tab closes; never localStorage or
// a cookie); text from the API is only ever inserted as text; no inline script or style.
(() => {
  'use strict';

  // Every string the page shows; {n}, {seconds}, {message}, {id} and {value} are filled in.
  const TEXT = {
    title: 'Moderation',
    tokenLabel: 'Admin token',
    tokenHelp: 'One of the tokens of the service\'s admin token file. Kept in this tab only.',
    signIn: 'Sign in',
    signOut: 'Sign out',
    signedIn: 'Signed in.',
    signedOut: 'Signed out. The token was removed from this tab.',
    checking: 'Checking the token…',
    comments: 'Comments',
    stateLabel: 'State',
    stateAll: 'All states',
    visible: 'visible',
    hidden: 'hidden',
    pending: 'pending',
    deleted: 'deleted',
    contentLabel: 'Content id',
    contentHelp: 'Empty: every content.',
    filter: 'Show',
    loading: 'Loading…',
    loadMore: 'Load more',
    noComments: 'No comments match.',
    commentMeta: '#{id} on {content} by ',
    hide: 'Hide',
    unhide: 'Unhide',
    approve: 'Approve',
    remove: 'Delete',
    blockEmail: 'Block this email',
    confirmDelete: 'Delete comment #{id} for good? Its text and email are erased.',
    done: 'Comment #{id} is now {value}.',
    unchanged: 'Comment #{id} was already {value}.',
    blocks: 'Blocked posters',
    kindLabel: 'Block by',
    kindEmail: 'email',
    kindAddress: 'address',
    valueLabel: 'Email or client address',
    block: 'Block',
    unblock: 'Unblock',
    noBlocks: 'Nobody is blocked.',
    blocked: 'Blocked {value}.',
    unblocked: 'Unblocked {value}.',
    blockSince: ' since ',
    audit: 'Audit log',
    noAudit: 'No moderation yet.',
    refresh: 'Refresh',
    errorNetwork: 'The service could not be reached. Check your connection and try again.',
    error401: 'The token was not accepted. Check it and sign in again.',
    error403: 'This token may not do that (HTTP 403).',
    error404Api: 'The moderation API is turned off: the service runs without --admin-token-file.',
    error404: 'Not found: {message}',
    error409: 'Not possible: {message}',
    error400: 'Not accepted: {message}',
    error429: 'Too many requests. Please wait {seconds} s and try again.',
    error503: 'The service is busy. Please try again in a moment.',
    errorOther: 'Something went wrong (HTTP {n}).',
  };

  const KEY = 'comments-admin-token';
  const PAGE = 50;
  const STATES = ['visible', 'hidden', 'pending', 'deleted'];
  // Which actions each state allows (the API answers 409 to the others).
  const ACTIONS = {
    visible: ['hide', 'remove'],
    hidden: ['unhide', 'remove'],
    pending: ['approve', 'hide', 'remove'],
    deleted: [],
  };
  const api = new URL('api/admin/', document.baseURI);

  // @include:dom.js@ (fill, el)
  const button = (text, onClick, cls) => {
    const b = el('button', { type: 'button', class: cls }, text);
    b.addEventListener('click', onClick);
    return b;
  };
  const field = (label, control, help) => el('label', { class: 'ad-field' },
    el('span', null, label), control, help ? el('small', null, help) : null);
  const when = (iso) => {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
  };

  // A failed request, as thrown by call(): response is undefined when nothing answered.
  class Failure extends Error {
    constructor(response, message) {
      super(message);
      this.response = response;
    }
  }

  // A sentence for a failure. listing: the request read a list, so 404 means the API is off.
  const describe = (failure, listing) => {
    const r = failure.response;
    const message = failure.message || '';
    if (!r) {
      return TEXT.errorNetwork;
    }
    switch (r.status) {
      case 400: case 409:
        return fill(TEXT[`error${r.status}`], { message });
      case 401: case 403: case 503:
        return TEXT[`error${r.status}`];
      case 404:
        return listing ? TEXT.error404Api : fill(TEXT.error404, { message });
      case 429:
        return fill(TEXT.error429, { seconds: r.headers.get('Retry-After') || '1' });
      default:
        return fill(TEXT.errorOther, { n: r.status });
    }
  };

  const root = document.getElementById('admin');
  document.title = TEXT.title;
  let token = sessionStorage.getItem(KEY) || '';

  // One admin API request with the token; resolves to the JSON body, rejects with a Failure.
  const call = async (method, path, body) => {
    let response;
    try {
      response = await fetch(new URL(path, api), {
        method,
        headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        cache: 'no-store',
        credentials: 'omit',
      });
    } catch {
      throw new Failure(undefined, '');
    }
    let json = null;
    try {
      json = await response.json();
    } catch {
      json = null;
    }
    if (!response.ok) {
      throw new Failure(response, json && typeof json.message === 'string' ? json.message : '');
    }
    return json;
  };

  // The page's parts.
  const error = el('p', { class: 'ad-msg ad-error', role: 'alert', hidden: true });
  const status = el('p', { class: 'ad-msg ad-status', role: 'status', 'aria-live': 'polite' });
  const say = (text) => { status.textContent = text; error.hidden = true; };
  let signOut;
  // Shows a failure; a refused token signs out so the moderator can enter another.
  const fail = (failure, listing) => {
    status.textContent = '';
    error.textContent = describe(failure, listing);
    error.hidden = false;
    if (failure.response && failure.response.status === 401) {
      signOut(false);
    }
  };
  // Runs work(); a Failure is shown (listing: see describe). Resolves to whether it succeeded.
  const guard = async (listing, work) => {
    try {
      await work();
      return true;
    } catch (e) {
      if (!(e instanceof Failure)) {
        throw e;
      }
      fail(e, listing);
      return false;
    }
  };

  const tokenInput = el('input', {
    id: 'ad-token', type: 'password', required: true, autocomplete: 'off', spellcheck: 'false',
    'aria-describedby': 'ad-token-help',
  });
  const signInForm = el('form', { class: 'ad-form' },
    el('label', { class: 'ad-field', for: 'ad-token' }, el('span', null, TEXT.tokenLabel), tokenInput,
      el('small', { id: 'ad-token-help' }, TEXT.tokenHelp)),
    el('button', { type: 'submit', class: 'ad-primary' }, TEXT.signIn));
  const signOutButton = button(TEXT.signOut, () => signOut(true));
  const header = el('div', { class: 'ad-bar' }, el('h1', null, TEXT.title), signOutButton);

  // A list section with a "load more" button: load(cursor) returns {items, next}.
  const pagedList = (emptyText, render, load) => {
    const list = el('ol', { class: 'ad-list' });
    const empty = el('p', { class: 'ad-empty', hidden: true }, emptyText);
    const more = el('button', { type: 'button', class: 'ad-more', hidden: true }, TEXT.loadMore);
    let next = null;
    const fetchPage = async (reset) => {
      more.disabled = true;
      await guard(true, async () => {
        const { items, next: after } = await load(reset ? null : next);
        if (reset) {
          list.replaceChildren();
        }
        const nodes = items.map(render);
        list.append(...nodes);
        next = after;
        more.hidden = !next;
        empty.hidden = list.children.length > 0;
        if (!reset && nodes.length) {
          nodes[0].focus(); // carry on reading where the new page starts
        }
      });
      more.disabled = false;
    };
    more.addEventListener('click', () => fetchPage(false));
    return { nodes: [list, empty, more], reload: () => fetchPage(true) };
  };

  // Comments: filter, list, actions.
  const stateSelect = el('select', { id: 'ad-state' }, el('option', { value: '' }, TEXT.stateAll),
    ...STATES.map((s) => el('option', { value: s }, TEXT[s])));
  const contentInput = el('input', { id: 'ad-content', type: 'text', maxlength: '128', autocomplete: 'off' });
  const filterForm = el('form', { class: 'ad-form' },
    field(TEXT.stateLabel, stateSelect), field(TEXT.contentLabel, contentInput, TEXT.contentHelp),
    el('button', { type: 'submit', class: 'ad-primary' }, TEXT.filter));

  let blocksSection;
  let auditSection;
  const renderComment = (c) => {
    const item = el('li', { class: 'ad-item ad-comment', tabindex: '-1', 'data-id': String(c.id) });
    const draw = (state) => {
      const actions = el('div', { class: 'ad-actions' });
      for (const action of ACTIONS[state] || []) {
        actions.append(button(TEXT[action], () => act(c, action, actions, draw),
          action === 'remove' ? 'ad-danger' : null));
      }
      if (c.email && state !== 'deleted') {
        actions.append(button(TEXT.blockEmail, () => addBlock({ email: c.email }), 'ad-danger'));
      }
      item.replaceChildren(
        el('p', { class: 'ad-meta' }, fill(TEXT.commentMeta, { id: c.id, content: c.content_id }),
          el('b', { class: 'ad-email' }, c.email || '—'), ` · ${when(c.created_at)} `,
          el('span', { class: `ad-state ad-state-${state}` }, TEXT[state] || state)),
        el('p', { class: 'ad-text' }, state === 'deleted' ? '' : c.comment),
        actions);
    };
    draw(c.state);
    return item;
  };
  const act = async (c, action, actions, draw) => {
    if (action === 'remove' && !window.confirm(fill(TEXT.confirmDelete, { id: c.id }))) {
      return;
    }
    for (const b of actions.querySelectorAll('button')) {
      b.disabled = true;
    }
    const ok = await guard(false, async () => {
      const r = action === 'remove'
        ? await call('DELETE', `comments/${c.id}`)
        : await call('POST', `comments/${c.id}/${action}`);
      draw(r.state);
      say(fill(r.changed === false ? TEXT.unchanged : TEXT.done, { id: c.id, value: TEXT[r.state] || r.state }));
      auditSection.reload();
    });
    for (const b of ok ? [] : actions.querySelectorAll('button')) {
      b.disabled = false;
    }
  };
  const comments = pagedList(TEXT.noComments, renderComment, async (cursor) => {
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (stateSelect.value) {
      q.set('state', stateSelect.value);
    }
    if (contentInput.value.trim()) {
      q.set('content_id', contentInput.value.trim());
    }
    if (cursor) {
      q.set('cursor', cursor);
    }
    const r = await call('GET', `comments?${q}`);
    return { items: r.comments, next: r.next_cursor };
  });
  filterForm.addEventListener('submit', (e) => {
    e.preventDefault();
    comments.reload();
  });

  // Blocks: a form to add one, the list with "Unblock".
  const kindSelect = el('select', { id: 'ad-kind' },
    el('option', { value: 'email' }, TEXT.kindEmail), el('option', { value: 'address' }, TEXT.kindAddress));
  const valueInput = el('input', { id: 'ad-value', type: 'text', required: true, autocomplete: 'off' });
  const blockForm = el('form', { class: 'ad-form' },
    field(TEXT.kindLabel, kindSelect), field(TEXT.valueLabel, valueInput),
    el('button', { type: 'submit', class: 'ad-danger' }, TEXT.block));
  // After a change to the blocks: say what happened, show the lists as they now are.
  const blocksChanged = (template, b) => {
    say(fill(template, { value: `${b.kind} ${b.value}` }));
    blocksSection.reload();
    auditSection.reload();
  };
  const addBlock = (body) => guard(false, async () => {
    blocksChanged(TEXT.blocked, await call('POST', 'blocks', body));
    valueInput.value = '';
  });
  blockForm.addEventListener('submit', (e) => {
    e.preventDefault();
    addBlock({ [kindSelect.value]: valueInput.value.trim() });
  });
  blocksSection = pagedList(TEXT.noBlocks, (b) => el('li', { class: 'ad-item ad-block', tabindex: '-1' },
    el('p', { class: 'ad-meta' }, el('b', null, `${b.kind} ${b.value}`), TEXT.blockSince + when(b.created_at)),
    el('div', { class: 'ad-actions' }, button(TEXT.unblock, () => guard(false, async () => {
      await call('DELETE', `blocks/${b.id}`);
      blocksChanged(TEXT.unblocked, b);
    })))), async () => ({ items: (await call('GET', 'blocks')).blocks, next: null }));

  // The audit log, newest first.
  auditSection = pagedList(TEXT.noAudit, (a) => el('li', { class: 'ad-item ad-audit', tabindex: '-1' },
    el('p', { class: 'ad-meta' }, `${when(a.at)} · `, el('b', null, a.actor), ` ${a.action} ${a.target}`)),
  async (cursor) => {
    const r = await call('GET', `audit?limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    return { items: r.entries, next: r.next_cursor };
  });

  const work = el('div', { class: 'ad-work' },
    el('h2', null, TEXT.comments), filterForm, ...comments.nodes,
    el('h2', null, TEXT.blocks), blockForm, ...blocksSection.nodes,
    el('div', { class: 'ad-bar' }, el('h2', null, TEXT.audit), button(TEXT.refresh, () => auditSection.reload())),
    ...auditSection.nodes);

  const show = (signedIn) => {
    signInForm.hidden = signedIn;
    signOutButton.hidden = !signedIn;
    work.hidden = !signedIn;
  };
  signOut = (byHand) => {
    token = '';
    sessionStorage.removeItem(KEY);
    show(false);
    if (byHand) {
      say(TEXT.signedOut);
    }
    tokenInput.focus();
  };
  // Checks the token with a first list; keeps it only when the service accepts it.
  const start = () => guard(true, async () => {
    await call('GET', 'comments?limit=1');
    sessionStorage.setItem(KEY, token);
    show(true);
    say(TEXT.signedIn);
    comments.reload();
    blocksSection.reload();
    auditSection.reload();
  });
  signInForm.addEventListener('submit', (e) => {
    e.preventDefault();
    token = tokenInput.value.trim();
    tokenInput.value = '';
    say(TEXT.checking);
    start();
  });

  root.replaceChildren(header, error, status, signInForm, work);
  show(false);
  if (token) {
    start();
  } else {
    tokenInput.focus();
  }
})();
