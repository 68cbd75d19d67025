// The moderation page (/admin) in a real browser: headless Chromium, driven over the DevTools
// protocol, signs in on the page the real comments-service serves (scripts/demo.sh starts it with
// a token file), moderates, and checks what readers of the demo article then see in the widget.
// Screenshots go to $SCREENSHOT_DIR.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  assertInlineScriptBlocked, openPage, sharedBrowser, shots, startDemo, WAIT,
} from './demo.mjs';

const chromium = sharedBrowser();

// What the moderator sees.
const view = (page) => page.evaluate(() => ({
  signedIn: !document.querySelector('.ad-work').hidden,
  error: document.querySelector('.ad-error').hidden ? null : document.querySelector('.ad-error').textContent,
  status: document.querySelector('.ad-status').textContent,
  comments: [...document.querySelectorAll('.ad-comment')].map((li) => ({
    id: li.dataset.id,
    text: li.querySelector('.ad-text').textContent,
    state: li.querySelector('.ad-state').textContent,
    buttons: [...li.querySelectorAll('button')].map((b) => b.textContent),
  })),
  blocks: [...document.querySelectorAll('.ad-block .ad-meta b')].map((b) => b.textContent),
  audit: [...document.querySelectorAll('.ad-audit')].map((li) => li.textContent),
}));

// Signs in with the keyboard: type the token, press Enter.
async function signIn(page, token) {
  await page.focus('#ad-token');
  await page.keyboard.type(token);
  await page.keyboard.press('Enter');
}

const statusIs = (page, pattern) => page.waitForFunction(
  (source) => new RegExp(source).test(document.querySelector('.ad-status').textContent), WAIT, pattern.source);

// The texts a reader of the demo article sees in the widget, once its count says `count`.
async function widgetTexts(page, url, count) {
  await page.goto(url);
  await page.waitForFunction((t) => document.querySelector('.cw-count')?.textContent === t, WAIT, count);
  return page.$$eval('.cw-comment .cw-text', (all) => all.map((e) => e.textContent));
}

describe('the moderation page of the demo', () => {
  let demo;
  before(async () => { demo = await startDemo([], { seed: 3 }); });
  after(async () => { await demo?.stop(); });

  test('is served with its own strict CSP and refuses a wrong token in words', async () => {
    const { page, record, close } = await openPage(chromium.browser);
    const response = await page.goto(demo.admin);
    assert.equal(response.status(), 200);
    assert.match(response.headers()['content-security-policy'], /default-src 'none'; script-src 'self'/);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'ad-token');
    await signIn(page, 'wrong-token-0123456789abcdef');
    await page.waitForFunction(() => !document.querySelector('.ad-error').hidden, WAIT);
    const v = await view(page);
    assert.equal(v.error, 'The token was not accepted. Check it and sign in again.');
    assert.equal(v.signedIn, false);
    assert.equal(await page.evaluate(() => sessionStorage.length + localStorage.length), 0);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'ad-token');
    assert.deepEqual(await page.evaluate(() => window.cspViolations), []);
    assert.deepEqual(record.errors, []);
    await page.screenshot({ path: path.join(shots, 'admin-wrong-token.png') });

    // Negative control: the CSP the service sends is enforced, and its violations are seen here.
    await assertInlineScriptBlocked(page);
    await close();
  });

  test('a moderator hides a comment and it disappears from the widget', async () => {
    const spam = `Cheap watches <a href="https://spam.example">here</a> ${Date.now()}`;
    const reader = await openPage(chromium.browser);
    await widgetTexts(reader.page, demo.page, '3 comments');
    await reader.page.$eval('.cw-form input[type=email]', (e) => { e.value = 'spammer@example.com'; });
    await reader.page.$eval('.cw-form textarea', (e, v) => { e.value = v; }, spam);
    await reader.page.click('.cw-submit');
    await reader.page.waitForFunction(() => document.querySelector('.cw-local'), WAIT);
    // Negative control: before moderation every reader gets the comment from the service.
    assert.ok((await widgetTexts(reader.page, demo.page, '4 comments')).includes(spam));

    const { page, record, close } = await openPage(chromium.browser);
    await page.goto(demo.admin);
    await signIn(page, demo.token);
    await page.waitForFunction(() => document.querySelectorAll('.ad-comment').length === 4, WAIT);
    let v = await view(page);
    assert.equal(v.error, null);
    assert.equal(v.status, 'Signed in.');
    assert.equal(v.comments[0].text, spam, 'newest first, markup shown as typed');
    assert.equal(await page.$$eval('.ad-list a', (links) => links.length), 0);
    assert.deepEqual(v.comments[0].buttons, ['Hide', 'Delete', 'Block this email']);
    assert.equal(v.comments[3].text, 'Comment 1 of the demo.');
    // The token is kept for this tab only.
    assert.equal(await page.evaluate(() => sessionStorage.getItem('comments-admin-token')), demo.token);
    assert.equal(await page.evaluate(() => localStorage.length), 0);
    assert.equal(await page.evaluate(() => document.cookie), '');

    // Hide it with the keyboard.
    const id = v.comments[0].id;
    const hide = await page.$('.ad-comment .ad-actions button');
    await hide.focus();
    await page.keyboard.press('Enter');
    await statusIs(page, new RegExp(`^Comment #${id} is now hidden\\.$`));
    await page.waitForFunction(() => document.querySelector('.ad-audit'), WAIT);
    v = await view(page);
    assert.equal(v.comments[0].state, 'hidden');
    assert.deepEqual(v.comments[0].buttons, ['Unhide', 'Delete', 'Block this email']);
    assert.match(v.audit[0], new RegExp(`demo hide comment ${id}$`));
    await page.screenshot({ path: path.join(shots, 'admin.png') });

    const texts = await widgetTexts(reader.page, demo.page, '3 comments');
    assert.ok(!texts.includes(spam), 'gone from the widget');
    assert.deepEqual(texts, [1, 2, 3].map((n) => `Comment ${n} of the demo.${n === 3 ? ' Markup such as <b>this</b> shows as typed.' : ''}`));

    // A reload of the tab keeps the moderator signed in.
    await page.reload();
    await page.waitForFunction(() => document.querySelectorAll('.ad-comment').length === 4, WAIT);
    assert.equal((await view(page)).signedIn, true);
    assert.deepEqual(await page.evaluate(() => window.cspViolations), []);
    assert.deepEqual(record.errors, []);
    await close();
    await reader.close();
  });

  test('filters by state, blocks and unblocks the poster, deletes, signs out', async () => {
    const { page, record, close } = await openPage(chromium.browser);
    page.on('dialog', (d) => d.accept());
    await page.goto(demo.admin);
    await signIn(page, demo.token);
    await page.waitForFunction(() => document.querySelectorAll('.ad-comment').length > 0, WAIT);

    await page.select('#ad-state', 'hidden');
    await page.click('.ad-work button.ad-primary');
    await page.waitForFunction(() => [...document.querySelectorAll('.ad-comment .ad-state')]
      .every((s) => s.textContent === 'hidden'), WAIT);
    let v = await view(page);
    assert.equal(v.comments.length, 1);

    // Block the poster's email from the comment; a post from that address is then refused.
    const blockButton = (await page.$$('.ad-comment .ad-actions button')).at(-1);
    await blockButton.click();
    await statusIs(page, /^Blocked email spammer@example\.com\.$/);
    await page.waitForFunction(() => document.querySelectorAll('.ad-block').length === 1, WAIT);
    const post = await fetch(`${demo.api}/api/comment/new`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'spammer@example.com', comment: 'again', content_id: 42 }),
    });
    assert.equal(post.status, 403);

    // An address typed into the form.
    await page.select('#ad-kind', 'address');
    await page.type('#ad-value', '192.0.2.7');
    await page.click('.ad-work .ad-form button.ad-danger');
    await page.waitForFunction(() => document.querySelectorAll('.ad-block').length === 2, WAIT);
    v = await view(page);
    assert.deepEqual(v.blocks.sort(), ['address 192.0.2.7', 'email spammer@example.com']);

    for (let n = 2; n > 0; n -= 1) {
      await page.click('.ad-block button');
      await page.waitForFunction((left) => document.querySelectorAll('.ad-block').length === left, WAIT, n - 1);
    }
    assert.equal(await page.$eval('.ad-work', (w) => [...w.querySelectorAll('.ad-empty')]
      .some((e) => !e.hidden && e.textContent === 'Nobody is blocked.')), true);
    const again = await fetch(`${demo.api}/api/comment/new`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'spammer@example.com', comment: 'unblocked now', content_id: 7 }),
    });
    assert.equal(again.status, 200);

    // Delete (after the confirmation dialog): a tombstone, no text, no more actions.
    await page.click('.ad-comment .ad-danger');
    await page.waitForFunction(() => document.querySelector('.ad-comment .ad-state').textContent === 'deleted', WAIT);
    v = await view(page);
    assert.equal(v.comments[0].text, '');
    assert.deepEqual(v.comments[0].buttons, []);

    await page.select('#ad-state', '');
    await page.click('.ad-work button.ad-primary');
    await page.waitForFunction(() => document.querySelectorAll('.ad-comment').length === 5, WAIT);

    await page.click('.ad-bar > button');
    await statusIs(page, /^Signed out\./);
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
    assert.equal((await view(page)).signedIn, false);
    assert.deepEqual(await page.evaluate(() => window.cspViolations), []);
    assert.deepEqual(record.errors, []);
    await close();
  });

  test('reads on a phone in dark mode', async () => {
    const { page, close } = await openPage(chromium.browser, { width: 375, height: 812 });
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
    await page.goto(demo.admin);
    await signIn(page, demo.token);
    await page.waitForFunction(() => document.querySelectorAll('.ad-comment').length > 0, WAIT);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 375), 'no sideways scrolling');
    const luminance = await page.$eval('body', (e) => {
      const [r, g, b] = getComputedStyle(e).backgroundColor.match(/\d+/g).map(Number);
      return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    });
    assert.ok(luminance < 0.2, `dark background (luminance ${luminance})`);
    const heights = await page.$$eval('.ad-comment button', (all) => all.map((b) => b.getBoundingClientRect().height));
    assert.ok(heights.every((h) => h >= 44), 'buttons a thumb can hit');
    await page.screenshot({ path: path.join(shots, 'admin-dark-phone.png') });
    await close();
  });

  test('says in words when the moderation API is off or the service unreachable', async () => {
    // A service without a token file answers 404 for /admin itself (tests/service/http/web_test.cpp);
    // this is a page left open, or cached by a proxy, when the API answers 404.
    for (const [answer, message] of [
      ['404', 'The moderation API is turned off: the service runs without --admin-token-file.'],
      ['network', 'The service could not be reached. Check your connection and try again.'],
    ]) {
      const { page, close } = await openPage(chromium.browser);
      await page.setRequestInterception(true);
      page.on('request', (req) => {
        if (!req.url().includes('/api/admin/')) {
          req.continue();
        } else if (answer === 'network') {
          req.abort('internetdisconnected');
        } else {
          req.respond({ status: 404, contentType: 'application/json', body: '{"status":"NOT-FOUND","message":"no such route"}' });
        }
      });
      await page.goto(demo.admin);
      await signIn(page, demo.token);
      await page.waitForFunction(() => !document.querySelector('.ad-error').hidden, WAIT);
      assert.equal((await view(page)).error, message);
      assert.equal((await view(page)).signedIn, false);
      await close();
    }
  });

  test('the moderation page is under 15 KB compressed', async () => {
    let total = 0;
    for (const file of ['admin', 'admin.js', 'admin.css']) {
      const body = Buffer.from(await (await fetch(`${demo.api}/${file}`)).arrayBuffer());
      const gz = gzipSync(body, { level: 9 }).length;
      console.log(`${file}: ${body.length} bytes, ${gz} gzip -9`);
      total += gz;
    }
    console.log(`moderation page total: ${total} bytes compressed (budget 15360)`);
    assert.ok(total < 15 * 1024, `${total} bytes`);
  });
});
