// Starts scripts/demo.sh (the real comments-service and the sample article page) and Debian's
// Chromium for the browser tests, and stops both.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import puppeteer from 'puppeteer-core';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// Where the tests put screenshots: $SCREENSHOT_DIR, else build/screenshots (created).
export const shots = process.env.SCREENSHOT_DIR || path.join(root, 'build/screenshots');
mkdirSync(shots, { recursive: true });
// How long a test waits for what the page should show.
export const WAIT = { timeout: 15000 };

// The demo on free ports, with the given comments-service flags. Resolves once it printed its
// URLs and the moderation token; rejects with its output when it exits or takes longer than the deadline.
export function startDemo(serviceFlags = [], { seed = 25, deadlineMs = 60000 } = {}) {
  const bin = process.env.COMMENTS_SERVICE_BIN;
  if (!bin) {
    throw new Error('COMMENTS_SERVICE_BIN must name the comments-service binary to test');
  }
  const child = spawn('bash', [path.join(root, 'scripts/demo.sh'), '--service', bin, '--port', '0',
    '--page-port', '0', '--seed', String(seed), '--', ...serviceFlags],
  { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const stop = () => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    child.once('exit', () => resolve());
    process.kill(-child.pid, 'SIGTERM'); // the script, the service and the page server
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop().then(() => reject(new Error(`demo.sh did not start in time:\n${output}`)));
    }, deadlineMs);
    const onData = (chunk) => {
      output += chunk;
      const page = /article page\s+(http:\/\/\S+?)\/?\s/.exec(output);
      const api = /service\s+(http:\/\/\S+?)\/?\s/.exec(output);
      const admin = /moderation\s+(http:\/\/\S+)\s+token: (\S+)\s/.exec(output);
      if (page && api && admin) {
        clearTimeout(timer);
        resolve({
          page: `${page[1]}/`, api: api[1], admin: admin[1], token: admin[2], stop, output: () => output,
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => { output += chunk; });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`demo.sh exited (${code}) before it was ready:\n${output}`));
    });
  });
}

// Debian's Chromium with the flags this machine needs (no sandbox as root, no background
// traffic to Google's hosts) and a fresh profile.
// One Chromium for a test file: started before its tests, closed after them. Call it at the top
// level of the file; `.browser` is set once the tests run.
export function sharedBrowser() {
  const shared = { browser: null };
  let chromium;
  before(async () => {
    chromium = await startBrowser();
    shared.browser = chromium.browser;
  });
  after(async () => { await chromium?.close(); });
  return shared;
}

export async function startBrowser() {
  const profile = mkdtempSync(path.join(tmpdir(), 'comments-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
      `--user-data-dir=${profile}`],
  });
  const close = async () => {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
  };
  return { browser, close };
}

// A page that records what a reader would not see: CSP violations, script errors, and every
// request it makes.
export async function openPage(browser, { width = 1000, height = 900 } = {}) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width, height });
  const record = { errors: [], requests: [] };
  page.on('pageerror', (e) => record.errors.push(String(e)));
  page.on('request', (r) => record.requests.push(r.url()));
  await page.evaluateOnNewDocument(() => {
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation',
      (e) => window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return { page, record, close: () => context.close() };
}

// Negative control for a page's CSP: an inline script added to it does not run, and the
// violation is reported where openPage records them (so a check for none can fail).
export async function assertInlineScriptBlocked(page) {
  const before = (await page.evaluate(() => window.cspViolations)).length;
  await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.inlineRan = true';
    document.body.append(s);
  });
  assert.equal(await page.evaluate(() => window.inlineRan), undefined);
  assert.equal((await page.evaluate(() => window.cspViolations)).length, before + 1);
}
