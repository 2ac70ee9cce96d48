// What the browser tests in this folder share: where the server and
// Chromium are, the accounts they sign in as, the check/assert pair that
// prints one "ok"/"FAIL" line per check, and the closing "N passed,
// M failed" line with the exit code. The Go tests in e2e/ log that output.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const BASE_URL = (process.env.GRIDGIS_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const OUT_DIR = fileURLToPath(new URL('./out/', import.meta.url));

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Keep Chromium's password manager out of the way: the test types passwords.
  '--password-store=basic',
];

/** The account of a role, from E2E_<ROLE>_USER and E2E_<ROLE>_PASSWORD. */
export function account(role, defaultUser = '') {
  const env = role.toUpperCase();
  return { username: process.env[`E2E_${env}_USER`] ?? defaultUser, password: process.env[`E2E_${env}_PASSWORD`] ?? '' };
}

/** What went wrong in the pages (failed requests, console and page errors); a script's last check asserts it is empty. */
export const problems = [];

const results = [];

/** Runs one check and prints "ok" with fn's note, or "FAIL" with the error. */
export async function check(name, fn) {
  try {
    const note = await fn();
    results.push({ name, ok: true });
    console.log(`ok   ${name}${note ? ` (${note})` : ''}`);
  } catch (err) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name}: ${err instanceof Error ? err.message : err}`);
  }
}

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}

/** Counts a step that threw outside any check (e.g. "setup") as a failed check. */
function fail(name, err) {
  results.push({ name, ok: false });
  console.log(`FAIL ${name}: ${err instanceof Error ? err.message : err}`);
}

/** Prints "N passed, M failed" and sets the exit code, which it returns: 1 on any failure or when nothing was checked. */
export function finish() {
  const failed = results.filter((r) => !r.ok).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  process.exitCode = failed === 0 && results.length > 0 ? 0 : 1;
  return process.exitCode;
}

/** Runs each [name, fn] step, counting one that throws outside a check as a failed check of that name, then finishes. */
export async function runSteps(...steps) {
  for (const [name, fn] of steps) {
    try {
      await fn();
    } catch (err) {
      fail(name, err);
    }
  }
  return finish();
}

/** The closing check: the pages recorded no problem. */
export function checkNoProblems(name) {
  return check(name, async () => {
    assert(problems.length === 0, problems.join('; '));
  });
}

/** Makes the screenshot folder and starts headless Chromium. */
export async function launch() {
  mkdirSync(OUT_DIR, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** Records failed requests in problems (the 401 of GET /api/v1/me before sign-in is expected). */
export function recordFailedResponses(page) {
  page.on('response', (res) => {
    const path = new URL(res.url()).pathname;
    if (res.status() >= 400 && !(res.status() === 401 && path === '/api/v1/me')) problems.push(`${res.request().method()} ${path}: HTTP ${res.status()}`);
  });
}

/** Signs in through the login screen and waits until the map is ready or reports an error. */
export async function logIn(page, account) {
  await page.goto(`${BASE_URL}/`, { waitUntil: 'load', timeout: 30_000 });
  await page.waitForFunction(() => window.__gridgis?.view === 'login', null, { timeout: 15_000 });
  await page.locator('#login-username').fill(account.username);
  await page.locator('#login-password').fill(account.password);
  await page.locator('#login-submit').click();
  await page.waitForFunction(() => window.__gridgis && (window.__gridgis.ready || window.__gridgis.error), null, { timeout: 60_000 });
}

/**
 * A 1280×860 page logged in as account, recording failed requests and page
 * errors in problems; the import tests drive their dialogs from it.
 */
export async function loggedInPage(browser, account) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'zh-CN' });
  const page = await context.newPage();
  recordFailedResponses(page);
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  await logIn(page, account);
  return page;
}

/** Signs in and fails unless the map came up without an error. */
export async function signIn(page, account) {
  await logIn(page, account);
  const error = await page.evaluate(() => window.__gridgis.error);
  assert(!error, `the map reports: ${error}`);
}

/**
 * Clicks a top-bar tool (#tool-…). Tools that do not fit the bar (a phone,
 * a narrow laptop) sit in the 更多 menu: it is opened first.
 */
export async function clickTool(page, id) {
  const tool = page.locator(`#${id}`);
  // The bar refits before the next frame: let it.
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  if (!(await tool.isVisible()) && (await page.locator('#tool-more').isVisible())) await page.locator('#tool-more').click();
  await tool.click();
}
