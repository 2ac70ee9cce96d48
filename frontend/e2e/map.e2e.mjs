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
// out, and an officer's map limited to their own grid. Then the request
// loop with two users side by side (two browser contexts): the admin
// reports a request in the officer's grid and the officer's map shows it
// live; the officer assigns, starts and resolves it (a stale version is
// refused and the panel reloads), the admin's open panel follows live and
// verifies it. With E2E_PLANNER_PASSWORD set it also checks that a planner
// is offered no 上报诉求. It checks that the pages made no failed request and
// logged no error, apart from the ones the test provokes on purpose.
// Screenshots go to e2e/out/. Ends with "N passed, M failed" and a non-zero
// exit code on any failure.
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
const PLANNER = { username: process.env.E2E_PLANNER_USER ?? 'planner', password: process.env.E2E_PLANNER_PASSWORD ?? '' };
const VIEWPORT = { width: 1366, height: 820 };
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
 * The error answers the test provokes on purpose: 401 for GET /api/v1/me
 * before anyone has signed in and for POST /api/v1/session with a wrong
 * password, 409 for a transition with a stale version. A check names the
 * ones it expects ("STATUS METHOD /path"); each seen then is recorded in
 * provoked. Chromium logs one "Failed to load resource" console error per
 * error answer; those go to resourceErrors and, at the end, each is
 * forgiven against one provoked answer of the same status and URL, and
 * only that.
 */
let allowedErrors = [];
const provoked = [];
const resourceErrors = [];
const RESOURCE_ERROR = /^Failed to load resource: the server responded with a status of (\d{3}) /;

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

/** Runs fn with the given error answers ("STATUS METHOD /path") expected. */
async function expecting(allowed, fn) {
  allowedErrors = allowed;
  try {
    return await fn();
  } finally {
    allowedErrors = [];
  }
}

/** Runs fn with the given 401 answers ("METHOD /path") expected. */
function expecting401(allowed, fn) {
  return expecting(
    allowed.map((a) => `401 ${a}`),
    fn,
  );
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
    if (allowedErrors.includes(`${res.status()} ${method} ${url.pathname}`)) {
      provoked.push(`${res.status()} ${res.url()}`);
      return;
    }
    failedRequests.push(`${method} ${res.url()}: HTTP ${res.status()}`);
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      const at = msg.location()?.url ?? '';
      const failed = RESOURCE_ERROR.exec(msg.text());
      if (failed) resourceErrors.push({ key: `${failed[1]} ${at}`, text: msg.text() });
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
    const { view, user, ready, error, gridCount, orgCount, gridNames, grids, basemap, requestCount, live } = window.__gridgis;
    return { view, user, ready, error, gridCount, orgCount, gridNames, grids, basemap, requestCount, live };
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
      viewport: VIEWPORT,
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
      assert(state.live === 'off', `the live event stream is ${state.live} after signing out`);
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

  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

// ---- (e) the request loop, two users side by side -------------------------

/** Signs a page in through the login screen and waits for its map and live stream. */
async function signInAs(page, account) {
  await expecting401(['GET /api/v1/me'], async () => {
    await page.goto(`${BASE_URL}/`, { waitUntil: 'load', timeout: 30_000 });
    await waitForView(page, 'login');
  });
  await fillLogin(page, account);
  await page.locator('#login-submit').click();
  await waitForView(page, 'map');
  const state = await waitForMap(page);
  await page.waitForFunction(() => window.__gridgis.live === 'open', null, { timeout: 10_000 });
  return state;
}

/** The request panel as shown. */
function panelState(page) {
  return page.evaluate(() => {
    const d = document.getElementById('detail');
    const texts = (sel) => [...d.querySelectorAll(sel)].map((n) => (n.textContent ?? '').trim());
    return {
      open: !d.hidden,
      id: Number(d.dataset.requestId || 0),
      version: Number(d.dataset.version || 0),
      status: d.dataset.status ?? '',
      title: texts('.rq-title')[0] ?? '',
      current: texts('.step.current .step-label')[0] ?? '',
      done: texts('.step.done .step-label'),
      sla: texts('.sla-badge')[0] ?? '',
      history: texts('.tl-item .tl-what'),
      actions: [...d.querySelectorAll('.action-button')].map((b) => b.dataset.action),
      notice: texts('.detail-notice')[0] ?? '',
    };
  });
}

/** Waits until the panel shows request id at version. */
async function waitForPanel(page, id, version) {
  await page.waitForFunction(
    ([id, version]) => {
      const d = document.getElementById('detail');
      return !d.hidden && d.dataset.requestId === String(id) && d.dataset.version === String(version) && d.getAttribute('aria-busy') === 'false';
    },
    [id, version],
    { timeout: 10_000 },
  );
  return panelState(page);
}

/** Opens an action's form in the panel, fills it, submits it. */
async function act(page, action, { note, liaison, stars } = {}) {
  await page.locator(`#detail .action-button[data-action="${action}"]`).click();
  const form = page.locator(`#detail .action-form[data-action="${action}"]`);
  await form.waitFor({ state: 'visible', timeout: 5_000 });
  if (liaison !== undefined) await form.locator('select').selectOption(liaison);
  if (note !== undefined) await form.locator('textarea').fill(note);
  if (stars !== undefined) await form.locator(`.star[data-value="${stars}"]`).click();
  await form.locator('.submit').click();
  return form;
}

async function runRequestLoop() {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    const options = { viewport: VIEWPORT, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' };
    // Two contexts: two cookie jars, two users at once.
    const adminPage = await (await browser.newContext(options)).newPage();
    const officerPage = await (await browser.newContext(options)).newPage();
    watch(adminPage);
    watch(officerPage);

    let officer = null;
    await check('the admin and the officer have their maps open side by side, with live updates on', async () => {
      await signInAs(adminPage, ADMIN);
      officer = await signInAs(officerPage, OFFICER);
      await officerPage.evaluate(() => (window.__e2eNotReloaded = true));
      return `officer grids ${officer.user.grid_ids.join(', ')}, ${officer.requestCount} open requests`;
    });
    const ready = Boolean(officer);
    const gridId = officer?.user.grid_ids[0];

    let reported = null;
    const title = `e2e 诉求 ${new Date().toISOString().slice(11, 19)} 用电增容协调`;
    await check("the admin reports a request from an organization's popup in the officer's grid", async () => {
      assert(ready, 'not signed in');
      // Fly to the officer's grid, then click one of its organizations.
      await adminPage.locator(`#legend .grid-item[data-grid-id="${gridId}"]`).click();
      await adminPage.waitForTimeout(900);
      // The grid's popup could cover the organization.
      await adminPage.locator('.maplibregl-popup-close-button').click();
      const at = await adminPage.evaluate((g) => window.__gridgis.orgScreenPoint(g), gridId);
      assert(at, `no organization of grid ${gridId} is drawn clear of request markers`);
      await adminPage.mouse.click(at.x, at.y);
      const report = adminPage.locator('.maplibregl-popup .popup-action[data-action="report"]');
      await report.waitFor({ state: 'visible', timeout: 5_000 });
      assert(((await report.textContent()) ?? '').includes('上报诉求'), 'the button does not read 上报诉求');
      await report.click();
      const form = adminPage.locator('#detail .report-form');
      await form.waitFor({ state: 'visible', timeout: 5_000 });

      // An empty title is caught before anything is sent.
      let posted = 0;
      const count = (req) => {
        if (req.method() === 'POST' && new URL(req.url()).pathname === '/api/v1/requests') posted++;
      };
      adminPage.on('request', count);
      await form.locator('.submit').click();
      const titleError = ((await form.locator('[data-field="title"] .field-error').textContent()) ?? '').trim();
      assert(titleError === '请填写诉求标题', `title error reads "${titleError}"`);
      assert(posted === 0, 'an invalid report was sent');

      await form.locator('#report-title').fill(title);
      await form.locator('#report-description').fill('新建车间需将用电容量增容，供电方案批复较慢，希望园区协调。');
      await form.locator('input[name="category"][value="complex"]').check();
      const sent = adminPage.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/requests');
      const answered = adminPage.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/requests');
      await form.locator('.submit').click();
      const req = await sent;
      const res = await answered;
      adminPage.off('request', count);
      const key = req.headers()['idempotency-key'] ?? '';
      assert(/^[0-9a-f-]{36}$/.test(key), `Idempotency-Key header is "${key}"`);
      assert(res.status() === 201, `POST /api/v1/requests answered ${res.status()}`);
      const body = await res.json();
      assert(body.org_id === at.id && body.category === 'complex', `reported ${JSON.stringify({ org: body.org_id, category: body.category })}`);
      reported = body;
      const panel = await waitForPanel(adminPage, body.id, body.version);
      assert(panel.title === title, `the panel shows "${panel.title}"`);
      assert(panel.status === 'reported' && panel.current === '发现', `status ${panel.status}, current step ${panel.current}`);
      assert(panel.history.length === 1 && panel.history[0] === '上报诉求', `history: ${panel.history.join(', ')}`);
      assert(panel.notice === '诉求已上报', `notice "${panel.notice}"`);
      return `#${body.id}`;
    });

    await check("the officer's map shows the new request live, without reloading", async () => {
      assert(reported, 'nothing reported');
      await officerPage.waitForFunction((id) => window.__gridgis.requestIds().includes(id), reported.id, { timeout: 10_000 });
      await officerPage.waitForFunction((t) => window.__gridgis.toasts().some((x) => x === `新诉求：${t}`), title, { timeout: 5_000 });
      assert(await officerPage.evaluate(() => window.__e2eNotReloaded === true), 'the page was reloaded');
      const todo = officerPage.locator(`#todo .todo-item[data-request-id="${reported.id}"]`);
      assert((await todo.count()) === 1, 'the request is not in the 待办诉求 list');
      const drawn = await officerPage.evaluate((id) => window.__gridgis.requestScreenPoint(id), reported.id);
      await officerPage.screenshot({ path: join(OUT_DIR, 'live-toast.png') });
      return `${drawn ? 'drawn on the map' : 'off screen'}; screenshot e2e/out/live-toast.png`;
    });

    await check('the officer opens it from the toast: steps, SLA badge, history and the allowed actions', async () => {
      assert(reported, 'nothing reported');
      await officerPage.locator(`#toasts .toast[data-request-id="${reported.id}"]`).click();
      const panel = await waitForPanel(officerPage, reported.id, 1);
      assert(panel.current === '发现' && panel.done.length === 0, `steps: current ${panel.current}, done ${panel.done}`);
      assert(/^绿 · 正常\s*响应剩余 \d+ 小时/.test(panel.sla), `SLA badge "${panel.sla}"`);
      assert(panel.history.length === 1, `history: ${panel.history.join(', ')}`);
      assert(panel.actions.join(',') === 'assign,reject', `actions offered: ${panel.actions.join(',')}`);
      return panel.sla;
    });

    await check('the officer assigns it to a liaison: the history grows and the admin sees it live', async () => {
      assert(reported, 'nothing reported');
      await officerPage.locator('#detail .action-button[data-action="assign"]').click();
      const form = officerPage.locator('#detail .action-form[data-action="assign"]');
      const values = await form.locator('select').evaluate((s) => [...s.options].map((o) => o.value).filter(Boolean));
      assert(values.length > 0, 'no liaison to choose');
      await form.locator('select').selectOption(values[values.length - 1]);
      await form.locator('textarea').fill('请联络员三个工作日内上门对接');
      await form.locator('.submit').click();
      const panel = await waitForPanel(officerPage, reported.id, 2);
      assert(panel.status === 'assigned' && panel.current === '交办', `status ${panel.status}, step ${panel.current}`);
      assert(panel.history.join(',') === '上报诉求,交办', `history: ${panel.history.join(',')}`);
      assert(panel.notice === '已交办', `notice "${panel.notice}"`);
      // The admin's panel, still open on it, follows without a click.
      const admin = await waitForPanel(adminPage, reported.id, 2);
      assert(admin.history.length === 2, `the admin's panel shows ${admin.history.length} events`);
      assert(admin.notice === '该诉求刚刚有新进展（交办），已自动刷新', `the admin's panel says "${admin.notice}"`);
      return `liaison ${values[values.length - 1]} of ${values.length}`;
    });

    await check('a stale version is refused (409): the panel says so and reloads', async () => {
      assert(reported, 'nothing reported');
      // Send the version before the current one, as a page that missed an
      // update would; the server refuses it for real.
      const path = `/api/v1/requests/${reported.id}/transitions`;
      const stale = (route) => {
        const body = JSON.parse(route.request().postData() ?? '{}');
        return route.continue({ postData: JSON.stringify({ ...body, version: body.version - 1 }) });
      };
      await officerPage.route(`**${path}`, stale);
      try {
        await expecting([`409 POST ${path}`], async () => {
          const answered = officerPage.waitForResponse((r) => new URL(r.url()).pathname === path);
          await act(officerPage, 'reject', { note: '不在服务范围' });
          const res = await answered;
          assert(res.status() === 409, `the stale transition answered ${res.status()}`);
          await officerPage.locator('#detail .detail-notice', { hasText: '该诉求已被他人更新，已刷新' }).waitFor({ timeout: 5_000 });
        });
      } finally {
        await officerPage.unroute(`**${path}`, stale);
      }
      const panel = await waitForPanel(officerPage, reported.id, 2);
      assert(panel.status === 'assigned' && panel.history.length === 2, `changed: ${panel.status}, ${panel.history.length} events`);
      // What was typed is kept for another try.
      const kept = await officerPage.locator('#detail .action-form[data-action="reject"] textarea').inputValue();
      assert(kept === '不在服务范围', `the note reads "${kept}" after the reload`);
      await officerPage.locator('#detail .action-form .cancel').click();
      return panel.notice;
    });

    await check('a required note is checked before sending; the officer starts and resolves it', async () => {
      assert(reported, 'nothing reported');
      await act(officerPage, 'start');
      let panel = await waitForPanel(officerPage, reported.id, 3);
      assert(panel.status === 'in_progress' && panel.current === '整改', `status ${panel.status}, step ${panel.current}`);
      const form = await act(officerPage, 'resolve');
      const error = ((await form.locator('[data-field="note"] .field-error').textContent()) ?? '').trim();
      assert(error === '请填写办理结果', `note error reads "${error}"`);
      assert((await panelState(officerPage)).version === 3, 'an empty resolution was sent');
      await form.locator('textarea').fill('已协调供电公司开通绿色通道，增容方案获批。');
      await form.locator('.submit').click();
      panel = await waitForPanel(officerPage, reported.id, 4);
      assert(panel.status === 'resolved' && panel.current === '销号', `status ${panel.status}, step ${panel.current}`);
      assert(panel.history.length === 4, `history: ${panel.history.join(',')}`);
      // The resolver may not review their own work.
      assert(!panel.actions.includes('verify') && panel.actions.includes('send_back'), `actions: ${panel.actions.join(',')}`);
      return panel.history.join(' → ');
    });

    await check('the admin verifies it with a 1–5 rating; it leaves the open requests on both maps', async () => {
      assert(reported, 'nothing reported');
      const before = await waitForPanel(adminPage, reported.id, 4);
      assert(before.actions.includes('verify'), `the admin is offered ${before.actions.join(',')}`);
      const form = await act(adminPage, 'verify');
      const error = ((await form.locator('[data-field="satisfaction"] .field-error').textContent()) ?? '').trim();
      assert(error === '请选择满意度（1–5 星）', `rating error reads "${error}"`);
      await form.locator('.star[data-value="5"]').click();
      await form.locator('.submit').click();
      const panel = await waitForPanel(adminPage, reported.id, 5);
      assert(panel.status === 'verified' && panel.done.length === 5, `status ${panel.status}, done ${panel.done.join(',')}`);
      assert(panel.sla.startsWith('已办结'), `SLA badge "${panel.sla}"`);
      assert(panel.actions.length === 0, `still offered: ${panel.actions.join(',')}`);
      await adminPage.screenshot({ path: join(OUT_DIR, 'request-panel.png') });
      await officerPage.waitForFunction((id) => !window.__gridgis.requestIds().includes(id), reported.id, { timeout: 10_000 });
      await adminPage.waitForFunction((id) => !window.__gridgis.requestIds().includes(id), reported.id, { timeout: 10_000 });
      const officerPanel = await waitForPanel(officerPage, reported.id, 5);
      assert(officerPanel.history.length === 5, `the officer's panel shows ${officerPanel.history.length} events`);
      return 'screenshot e2e/out/request-panel.png';
    });

    if (PLANNER.password) {
      await check('a planner gets no 上报诉求 in the popup and no actions in the panel', async () => {
        const planner = await (await browser.newContext(options)).newPage();
        watch(planner);
        await signInAs(planner, PLANNER);
        const at = await planner.evaluate(() => window.__gridgis.orgScreenPoint());
        assert(at, 'no organization drawn');
        await planner.mouse.click(at.x, at.y);
        await planner.locator('.maplibregl-popup', { hasText: '统一社会信用代码' }).waitFor({ timeout: 5_000 });
        assert((await planner.locator('.maplibregl-popup .popup-action').count()) === 0, 'the planner is offered a popup action');
        const id = (await planner.evaluate(() => window.__gridgis.requestIds()))[0];
        assert(id, 'the planner sees no open request');
        await planner.locator(`#tab-todo`).click();
        await planner.locator(`#todo .todo-item[data-request-id="${id}"]`).click();
        await planner.waitForFunction((id) => window.__gridgis.detail?.id === id, id, { timeout: 10_000 });
        const panel = await waitForPanel(planner, id, await planner.evaluate(() => window.__gridgis.detail.version));
        assert(panel.actions.length === 0, `the planner is offered ${panel.actions.join(',')}`);
        const note = ((await planner.locator('#detail .rq-actions .muted').textContent()) ?? '').trim();
        assert(note === '只读账号，不能办理诉求', `the panel says "${note}"`);
        return `request #${id}`;
      });
    } else {
      console.log('# planner check not run: E2E_PLANNER_PASSWORD is not set');
    }
  } finally {
    await browser.close();
  }
}

/** Checks over every page of the run, at its end. */
async function finalChecks() {
  await check('no failed network requests', async () => {
    assert(failedRequests.length === 0, failedRequests.join('; '));
  });

  await check('no console errors', async () => {
    const unexplained = [...consoleErrors];
    const left = [...provoked];
    for (const { key, text } of resourceErrors) {
      const i = left.indexOf(key);
      if (i >= 0) left.splice(i, 1);
      else unexplained.push(`console: ${text} (${key})`);
    }
    assert(unexplained.length === 0, unexplained.join('; '));
    return resourceErrors.length > 0 ? `${resourceErrors.length} expected resource errors forgiven` : '';
  });
  for (const w of consoleWarnings.slice(0, 5)) console.log(`# console warning: ${w.slice(0, 200)}`);
}

for (const [name, fn] of [
  ['setup', run],
  ['request loop setup', runRequestLoop],
  ['final checks', finalChecks],
]) {
  try {
    await fn();
  } catch (err) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name}: ${err instanceof Error ? err.message : err}`);
  }
}
const failed = results.filter((r) => !r.ok).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
