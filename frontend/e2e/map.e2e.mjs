// Browser end-to-end test of the web app against a running gridgis server
// with the demo data:
//
//   GRIDGIS_URL=http://127.0.0.1:18080 \
//   E2E_ADMIN_USER=admin E2E_ADMIN_PASSWORD=... \
//   E2E_OFFICER_USER=officer-g01 E2E_OFFICER_PASSWORD=... node e2e/map.e2e.mjs
//
// Drives Debian's Chromium (CHROMIUM_PATH, default /usr/bin/chromium) with
// playwright-core through one browser session: the login screen, a wrong
// password, the admin's map (grids, labels, organizations, popups), signing
// out, and an officer's map limited to their own grid. It also checks that
// the page made no failed request and logged no error, apart from the 401s
// the test provokes on purpose. Screenshots go to e2e/out/. Ends with
// "N passed, M failed" and a non-zero exit code on any failure.
import { chromium } from 'playwright-core';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BASE_URL = (process.env.GRIDGIS_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const EXPECTED_GRIDS = Number(process.env.E2E_EXPECT_GRIDS ?? 6);
const LABEL_TO_FIND = process.env.E2E_EXPECT_LABEL ?? '新材料';
const ADMIN = { username: process.env.E2E_ADMIN_USER ?? 'admin', password: process.env.E2E_ADMIN_PASSWORD ?? '' };
const OFFICER = { username: process.env.E2E_OFFICER_USER ?? 'officer-g01', password: process.env.E2E_OFFICER_PASSWORD ?? '' };
const READY_TIMEOUT_MS = 60_000;
const OUT_DIR = fileURLToPath(new URL('./out/', import.meta.url));

const CHROMIUM_ARGS = [
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

const results = [];
const failedRequests = [];
const consoleErrors = [];
const consoleWarnings = [];

/**
 * The 401 answers the test provokes on purpose: GET /api/v1/me before
 * anyone has signed in, and POST /api/v1/session with a wrong password.
 * A check names the ones it expects ("METHOD /path"); each 401 seen then is
 * recorded in provoked401. Chromium logs one "Failed to load resource"
 * console error per 401; those go to resource401 and, at the end, each is
 * forgiven against one provoked 401 of the same URL, and only that.
 */
let allowed401 = [];
const provoked401 = [];
const resource401 = [];
const RESOURCE_401 = 'Failed to load resource: the server responded with a status of 401 (Unauthorized)';

async function check(name, fn) {
  try {
    const note = await fn();
    results.push({ name, ok: true });
    console.log(`ok   ${name}${note ? ` (${note})` : ''}`);
  } catch (err) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name}: ${err instanceof Error ? err.message : err}`);
  }
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

/** Runs fn with the given 401 answers ("METHOD /path") expected. */
async function expecting401(allowed, fn) {
  allowed401 = allowed;
  try {
    return await fn();
  } finally {
    allowed401 = [];
  }
}

function watch(page) {
  page.on('requestfailed', (req) => {
    const reason = req.failure()?.errorText ?? 'unknown';
    // MapLibre cancels basemap tile requests that scroll out of view, and
    // signing out cancels what the map was still loading; a cancelled
    // request is not a failure.
    if (reason === 'net::ERR_ABORTED') return;
    failedRequests.push(`${req.method()} ${req.url()}: ${reason}`);
  });
  page.on('response', (res) => {
    if (res.status() < 400) return;
    const method = res.request().method();
    const url = new URL(res.url());
    if (res.status() === 401 && allowed401.includes(`${method} ${url.pathname}`)) {
      provoked401.push(res.url());
      return;
    }
    failedRequests.push(`${method} ${res.url()}: HTTP ${res.status()}`);
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      const at = msg.location()?.url ?? '';
      if (msg.text() === RESOURCE_401) resource401.push(at);
      else consoleErrors.push(`console: ${msg.text()}${at ? ` (${at})` : ''}`);
    }
    // SwiftShader's "GL Driver Message" performance notes are noise.
    if (msg.type() === 'warning' && !msg.text().startsWith('[.WebGL-')) consoleWarnings.push(msg.text());
  });
  page.on('pageerror', (err) => consoleErrors.push(`page error: ${err.message}`));
}

/** The hook's state, without its functions. */
function hookState(page) {
  return page.evaluate(() => {
    const { view, user, ready, error, gridCount, orgCount, gridNames, grids, basemap } = window.__gridgis;
    return { view, user, ready, error, gridCount, orgCount, gridNames, grids, basemap };
  });
}

async function waitForView(page, view) {
  await page.waitForFunction((v) => window.__gridgis?.view === v, view, { timeout: 15_000 });
}

/** Waits until the map has drawn its data, or says why it has not. */
async function waitForMap(page) {
  await page.waitForFunction(() => window.__gridgis && (window.__gridgis.ready || window.__gridgis.error), null, {
    timeout: READY_TIMEOUT_MS,
  });
  const state = await hookState(page);
  assert(!state.error, `the page reports: ${state.error}`);
  assert(state.ready, 'not ready');
  return state;
}

async function fillLogin(page, { username, password }) {
  await page.locator('#login-username').fill(username);
  await page.locator('#login-password').fill(password);
}

async function loginMessage(page) {
  return ((await page.locator('#login-message').textContent()) ?? '').trim();
}

/** The grid list's org counts, by grid id. */
async function listedCounts(page) {
  return page.$$eval('#legend .grid-item', (items) =>
    items.map((b) => ({
      id: Number(b.dataset.gridId),
      count: Number(b.querySelector('.count')?.textContent ?? NaN),
      mine: b.classList.contains('mine'),
      tag: b.querySelector('.mine-tag')?.textContent ?? '',
    })),
  );
}

async function signOut(page) {
  await page.locator('#sign-out').click();
  await waitForView(page, 'login');
}

async function run() {
  for (const [name, account] of [
    ['E2E_ADMIN_PASSWORD', ADMIN],
    ['E2E_OFFICER_PASSWORD', OFFICER],
  ]) {
    if (!account.password) throw new Error(`${name} is not set (the demo passwords are in the seed's logins file)`);
  }
  mkdirSync(OUT_DIR, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'gridgis-e2e-'));
  console.log(`# gridgis e2e against ${BASE_URL} with ${CHROMIUM}`);
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1366, height: 820 },
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
    });
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw new Error(`could not start Chromium at ${CHROMIUM}: ${err.message}`);
  }

  try {
    const page = context.pages()[0] ?? (await context.newPage());
    watch(page);

    // ---- (a) not signed in: the login screen -----------------------------

    await check('the page opens on the login screen', async () => {
      await expecting401(['GET /api/v1/me'], async () => {
        const res = await page.goto(`${BASE_URL}/`, { waitUntil: 'load', timeout: 30_000 });
        assert(res && res.ok(), `GET / answered ${res ? res.status() : 'nothing'}`);
        await waitForView(page, 'login');
      });
      assert(await page.locator('#login-form').isVisible(), 'the login form is not visible');
      assert(!(await page.locator('#map').isVisible()), 'the map shows without a session');
      const focused = await page.evaluate(() => document.activeElement?.id);
      assert(focused === 'login-username', `focus is on #${focused}, want the username field`);
      const attrs = await page.evaluate(() => ({
        user: document.getElementById('login-username')?.getAttribute('autocomplete'),
        pass: document.getElementById('login-password')?.getAttribute('autocomplete'),
        type: document.getElementById('login-password')?.getAttribute('type'),
        labels: [...document.querySelectorAll('#login-form label')].map((l) => l.textContent?.trim()),
      }));
      assert(attrs.user === 'username' && attrs.pass === 'current-password', `autocomplete: ${JSON.stringify(attrs)}`);
      assert(attrs.type === 'password', 'the password field does not hide what is typed');
      assert(attrs.labels.includes('用户名') && attrs.labels.includes('密码'), `labels: ${attrs.labels.join(', ')}`);
      await page.screenshot({ path: join(OUT_DIR, 'login.png') });
      return 'screenshot e2e/out/login.png';
    });

    // ---- (b) a wrong password --------------------------------------------

    await check('a wrong password is refused with 用户名或密码错误', async () => {
      await fillLogin(page, { username: ADMIN.username, password: `${ADMIN.password}-wrong` });
      await expecting401(['POST /api/v1/session'], async () => {
        const answered = page.waitForResponse((r) => r.url().endsWith('/api/v1/session') && r.request().method() === 'POST');
        await page.locator('#login-submit').click();
        const res = await answered;
        assert(res.status() === 401, `POST /api/v1/session answered ${res.status()}, want 401`);
        await page.locator('#login-message', { hasText: '用户名或密码错误' }).waitFor({ state: 'visible', timeout: 5_000 });
      });
      assert((await page.locator('#login-password').inputValue()) === '', 'the wrong password was left in the field');
      assert((await page.locator('#login-password').getAttribute('aria-invalid')) === 'true', 'the password field is not marked invalid');
      assert(await page.locator('#login-submit').isEnabled(), 'the login button stays disabled');
      return await loginMessage(page);
    });

    // ---- (c) the admin sees the whole zone --------------------------------

    let admin = null;
    await check('the admin signs in with Enter; the button is disabled meanwhile', async () => {
      await fillLogin(page, ADMIN);
      // Hold the request back to see the form while it waits for the answer.
      let release;
      const held = new Promise((resolve) => (release = resolve));
      let passed;
      const handler = (route) => {
        passed = held.then(() => route.continue());
        return passed;
      };
      await page.route('**/api/v1/session', handler);
      try {
        await page.locator('#login-password').press('Enter');
        await page.waitForFunction(() => document.getElementById('login-submit')?.disabled === true, null, { timeout: 5_000 });
        const label = ((await page.locator('#login-submit').textContent()) ?? '').trim();
        assert(label.includes('正在登录'), `the button reads "${label}" while signing in`);
      } finally {
        release();
        await passed;
        await page.unroute('**/api/v1/session', handler);
      }
      await waitForView(page, 'map');
      admin = await waitForMap(page);
      assert(admin.user?.role === 'admin', `signed in as ${JSON.stringify(admin.user)}`);
      return admin.basemap ? 'with basemap' : 'plain background';
    });
    const adminReady = Boolean(admin?.ready);

    await check('the session is an HttpOnly cookie and no credential is stored in the page', async () => {
      assert(adminReady, 'not signed in');
      const cookie = (await context.cookies(BASE_URL)).find((c) => c.name === 'gridgis_session');
      assert(cookie, 'no gridgis_session cookie');
      assert(cookie.httpOnly, 'the session cookie is readable by scripts');
      assert(cookie.sameSite === 'Lax' || cookie.sameSite === 'Strict', `SameSite=${cookie.sameSite}`);
      const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
      assert(!stored.includes(ADMIN.password), 'the password is stored in web storage or a script-readable cookie');
      assert((await page.locator('#login-password').inputValue()) === '', 'the password stays in the hidden form');
    });

    await check('the top bar shows the admin with role 管理员 and a 退出 button', async () => {
      assert(adminReady, 'not signed in');
      const name = ((await page.locator('#account-name').textContent()) ?? '').trim();
      const role = ((await page.locator('#account-role').textContent()) ?? '').trim();
      assert(name === admin.user.display_name, `name "${name}", want "${admin.user.display_name}"`);
      assert(role === '管理员', `role "${role}"`);
      assert(await page.locator('#sign-out', { hasText: '退出' }).isVisible(), 'no 退出 button');
      return `${name} · ${role}`;
    });

    await check(`the zone's ${EXPECTED_GRIDS} grids are loaded`, async () => {
      assert(adminReady, 'map not ready');
      assert(admin.gridCount === EXPECTED_GRIDS, `expected ${EXPECTED_GRIDS} grids, got ${admin.gridCount}`);
      return admin.gridNames.join('、');
    });

    await check("the admin sees every organization: the sum of the grid list's counts, in the status line", async () => {
      assert(adminReady, 'map not ready');
      assert(admin.orgCount > 0, 'no organizations loaded');
      const listed = await listedCounts(page);
      assert(listed.length === admin.gridCount, `the grid list has ${listed.length} entries`);
      const sum = listed.reduce((s, g) => s + g.count, 0);
      assert(sum === admin.orgCount, `grid list counts add up to ${sum}, the map has ${admin.orgCount}`);
      assert(listed.every((g) => !g.mine), 'an admin has grids marked 我的网格');
      const status = (await page.locator('#status').textContent()) ?? '';
      const want = `${admin.gridCount} 个网格 · ${admin.orgCount} 家组织`;
      assert(status.includes(want), `status line is "${status}", want "${want}"`);
      return status;
    });

    await check(`grid name "${LABEL_TO_FIND}" is visible on the page and drawn on the map`, async () => {
      assert(adminReady, 'map not ready');
      const name = admin.gridNames.find((n) => n.includes(LABEL_TO_FIND));
      assert(name, `no grid is named like "${LABEL_TO_FIND}" (grids: ${admin.gridNames.join(', ')})`);
      const listed = page.locator('#legend .grid-name', { hasText: name }).first();
      assert(await listed.isVisible(), `"${name}" is not visible in the grid list`);
      const drawn = await page.evaluate(() => window.__gridgis.renderedLabels());
      assert(drawn.includes(name), `map label "${name}" not placed; placed: ${drawn.join(', ') || 'none'}`);
      const missing = admin.gridNames.filter((n) => !drawn.includes(n));
      assert(missing.length === 0, `labels not placed on the map: ${missing.join(', ')}`);
      return `${drawn.length} labels drawn`;
    });

    await check('clicking an organization opens its popup', async () => {
      assert(adminReady, 'map not ready');
      const at = await page.evaluate(() => window.__gridgis.orgScreenPoint());
      assert(at, 'no organization is drawn inside the map');
      await page.mouse.click(at.x, at.y);
      const popup = page.locator('.maplibregl-popup', { hasText: '统一社会信用代码' });
      await popup.waitFor({ state: 'visible', timeout: 5_000 });
      const title = ((await popup.locator('.popup-title').textContent()) ?? '').trim();
      assert(title.length > 0, 'the popup has no organization name');
      const body = (await popup.textContent()) ?? '';
      for (const label of ['组织类型', '所属行业', '党组织', '所属网格']) {
        assert(body.includes(label), `the popup lacks "${label}"`);
      }
      await page.screenshot({ path: join(OUT_DIR, 'map.png') });
      return `${title}; screenshot e2e/out/map.png`;
    });

    await check('choosing a grid in the list shows its officer and instructor', async () => {
      assert(adminReady, 'map not ready');
      const item = page.locator('#legend .grid-item').first();
      const name = ((await item.locator('.grid-name').textContent()) ?? '').trim();
      await item.click();
      const popup = page.locator('.maplibregl-popup', { hasText: '党建指导员' });
      await popup.waitFor({ state: 'visible', timeout: 5_000 });
      const title = ((await popup.locator('.popup-title').textContent()) ?? '').trim();
      assert(title === name, `popup is for "${title}", want "${name}"`);
      return name;
    });

    await check('a phone-sized screen gets the map with the panel as a bottom sheet', async () => {
      assert(adminReady, 'map not ready');
      const phone = await context.newPage();
      watch(phone);
      try {
        await phone.setViewportSize({ width: 390, height: 800 });
        // Same browser, same cookie: straight to the map.
        await phone.goto(`${BASE_URL}/`, { waitUntil: 'load', timeout: 30_000 });
        await waitForMap(phone);
        const canvas = await phone.locator('#map canvas').boundingBox();
        assert(canvas && canvas.width >= 380, `map canvas is ${canvas?.width}px wide on a 390px screen`);
        assert(await phone.locator('#sign-out').isVisible(), 'the 退出 button is not shown on a narrow screen');
        const toggle = phone.locator('#panel-toggle');
        assert(await toggle.isVisible(), 'the 图例 button is not shown on a narrow screen');
        await toggle.click();
        await phone.locator('#panel.open .grid-item').first().waitFor({ state: 'visible', timeout: 2_000 });
        await phone.waitForTimeout(300); // let the sheet finish sliding in
        await phone.screenshot({ path: join(OUT_DIR, 'map-narrow.png') });
      } finally {
        await phone.close();
      }
      return 'screenshot e2e/out/map-narrow.png';
    });

    await check('退出 signs out and returns to the login screen', async () => {
      assert(adminReady, 'not signed in');
      const deleted = page.waitForResponse((r) => r.url().endsWith('/api/v1/session') && r.request().method() === 'DELETE');
      await signOut(page);
      const res = await deleted;
      assert(res.ok(), `DELETE /api/v1/session answered ${res.status()}`);
      assert(await page.locator('#login-form').isVisible(), 'the login form is not visible');
      assert(!(await page.locator('#app').isVisible()), 'the map is still shown');
      const state = await hookState(page);
      assert(state.user === null && state.orgCount === 0, 'the signed-out page still holds map data');
      // Asked outside the page (same cookies), so that it logs nothing there.
      const me = await context.request.get(`${BASE_URL}/api/v1/me`);
      assert(me.status() === 401, `GET /api/v1/me after signing out answered ${me.status()}`);
      return await loginMessage(page);
    });

    // ---- (d) an officer sees only their own grid's organizations -------------

    let officer = null;
    await check(`the officer ${OFFICER.username} signs in`, async () => {
      await fillLogin(page, OFFICER);
      await page.locator('#login-submit').click();
      await waitForView(page, 'map');
      officer = await waitForMap(page);
      assert(officer.user?.role === 'officer', `signed in as ${JSON.stringify(officer.user)}`);
      assert(officer.user.grid_ids.length > 0, 'the officer has no grids');
      const role = ((await page.locator('#account-role').textContent()) ?? '').trim();
      assert(role === '网格员', `role "${role}"`);
      return `${officer.user.display_name}, grids ${officer.user.grid_ids.join(', ')}`;
    });
    const officerReady = Boolean(officer?.ready);

    await check("the officer's map holds exactly their grid's organizations", async () => {
      assert(officerReady, 'map not ready');
      const own = officer.grids.filter((g) => officer.user.grid_ids.includes(g.id));
      assert(own.length === officer.user.grid_ids.length, `grids ${officer.user.grid_ids} not all on the map`);
      const want = own.reduce((s, g) => s + g.org_count, 0);
      assert(officer.orgCount === want, `the map has ${officer.orgCount} organizations, the grid's org_count is ${want}`);
      const gridIds = await page.evaluate(() => window.__gridgis.orgGridIds());
      const outside = gridIds.filter((id) => !officer.user.grid_ids.includes(id));
      assert(outside.length === 0, `${outside.length} organizations of other grids (${[...new Set(outside)].join(', ')})`);
      const status = (await page.locator('#status').textContent()) ?? '';
      const line = `${officer.gridCount} 个网格 · ${officer.orgCount} 家组织`;
      assert(status.includes(line), `status line is "${status}", want "${line}"`);
      return `${own.map((g) => g.name).join('、')}: ${want}; ${status}`;
    });

    await check('the officer still sees every grid, with their own marked 我的网格', async () => {
      assert(officerReady, 'map not ready');
      await page.screenshot({ path: join(OUT_DIR, 'officer.png') });
      assert(officer.gridCount === EXPECTED_GRIDS, `${officer.gridCount} grids, want ${EXPECTED_GRIDS}`);
      const listed = await listedCounts(page);
      const marked = listed.filter((g) => g.mine);
      assert(
        marked.length === officer.user.grid_ids.length && marked.every((g) => officer.user.grid_ids.includes(g.id) && g.tag === '我的网格'),
        `marked: ${JSON.stringify(marked)}`,
      );
      assert(listed[0].mine, 'the own grid is not listed first');
      const own = officer.grids.filter((g) => g.mine).map((g) => g.name);
      const drawn = await page.evaluate(() => window.__gridgis.renderedLabels());
      assert(own.every((n) => drawn.includes(n)), `own grid label not placed; placed: ${drawn.join(', ') || 'none'}`);
      return 'screenshot e2e/out/officer.png';
    });

    await check("the officer can still look at another grid: outlined, labelled, officer and instructor", async () => {
      assert(officerReady, 'map not ready');
      const other = page.locator('#legend .grid-item:not(.mine)').first();
      const name = ((await other.locator('.grid-name').textContent()) ?? '').trim();
      await other.click();
      const popup = page.locator('.maplibregl-popup', { hasText: '党建指导员' });
      await popup.waitFor({ state: 'visible', timeout: 5_000 });
      const title = ((await popup.locator('.popup-title').textContent()) ?? '').trim();
      assert(title === name, `popup is for "${title}", want "${name}"`);
      // The list click flies there; wait for the map to settle, then look.
      await page.waitForFunction((n) => window.__gridgis.renderedLabels().includes(n), name, { timeout: 5_000 });
      return name;
    });

    await check('a data request answering 401 (session expired) returns to the login screen', async () => {
      assert(officerReady, 'not signed in');
      // Stand in for an expired session: the organizations answer 401 on the next load.
      const expire = (route) =>
        route.fulfill({
          status: 401,
          contentType: 'application/problem+json',
          body: JSON.stringify({ type: 'about:blank', title: 'Unauthorized', status: 401, code: 'unauthorized' }),
        });
      await page.route('**/api/v1/organizations*', expire);
      try {
        await expecting401(['GET /api/v1/organizations'], async () => {
          await page.reload({ waitUntil: 'load' });
          await waitForView(page, 'login');
        });
      } finally {
        await page.unroute('**/api/v1/organizations*', expire);
      }
      const message = await loginMessage(page);
      assert(message === '登录已过期，请重新登录', `the login screen says "${message}"`);
      const kept = await page.locator('#login-username').inputValue();
      assert(kept === OFFICER.username, `the username field holds "${kept}", want it kept for signing in again`);
      const focused = await page.evaluate(() => document.activeElement?.id);
      assert(focused === 'login-password', `focus is on #${focused}, want the password field`);
      return message;
    });

    await check('no failed network requests', async () => {
      assert(failedRequests.length === 0, failedRequests.join('; '));
    });

    await check('no console errors', async () => {
      const unexplained = [...consoleErrors];
      const provoked = [...provoked401];
      for (const url of resource401) {
        const i = provoked.indexOf(url);
        if (i >= 0) provoked.splice(i, 1);
        else unexplained.push(`console: ${RESOURCE_401} (${url})`);
      }
      assert(unexplained.length === 0, unexplained.join('; '));
      return resource401.length > 0 ? `${resource401.length} expected 401 resource errors forgiven` : '';
    });
    for (const w of consoleWarnings.slice(0, 5)) console.log(`# console warning: ${w.slice(0, 200)}`);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

try {
  await run();
} catch (err) {
  results.push({ name: 'setup', ok: false });
  console.log(`FAIL setup: ${err instanceof Error ? err.message : err}`);
}
const failed = results.filter((r) => !r.ok).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
