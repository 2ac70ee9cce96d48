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
// is offered no 上报诉求. Then the other views: a liaison (E2E_LIAISON_USER,
// E2E_LIAISON_PASSWORD) logs a visit that clears 超期未走访, live on the
// admin's map; the admin builds rebalance plans (an infeasible one first),
// applies one after confirming and is refused a stale one (409); the
// planner reads the KPIs per grid and exports them. It checks that the pages made no failed request and
// logged no error, apart from the ones the test provokes on purpose.
// Screenshots go to e2e/out/. Ends with "N passed, M failed" and a non-zero
// exit code on any failure.
import { chromium } from 'playwright-core';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE_URL, CHROMIUM, CHROMIUM_ARGS, OUT_DIR, account, assert, check, launch, runSteps } from './harness.mjs';

const EXPECTED_GRIDS = Number(process.env.E2E_EXPECT_GRIDS ?? 6);
const LABEL_TO_FIND = process.env.E2E_EXPECT_LABEL ?? '新材料';
const ADMIN = account('admin', 'admin');
const OFFICER = account('officer', 'officer-g01');
const PLANNER = account('planner', 'planner');
const LIAISON = account('liaison');
const VIEWPORT = { width: 1366, height: 820 };
const READY_TIMEOUT_MS = 60_000;

const failedRequests = [];
const consoleErrors = [];
const consoleWarnings = [];
/** Content-Security-Policy violations: the page's securitypolicyviolation
 * events and Chromium's console reports of blocked loads. */
const cspViolations = [];
const CSP_REPORT = /Content Security Policy|Content-Security-Policy/;

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

async function watch(page) {
  // Every document reports its CSP violations on the console, where the
  // listener below collects them.
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
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
    if (CSP_REPORT.test(msg.text()) || msg.text().startsWith('CSP violation: ')) {
      cspViolations.push(msg.text());
      return;
    }
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
    await watch(page);

    // ---- (a) not signed in: the login screen -----------------------------

    await check('the page opens on the login screen', async () => {
      await expecting401(['GET /api/v1/me'], async () => {
        const res = await page.goto(`${BASE_URL}/`, { waitUntil: 'load', timeout: 30_000 });
        assert(res && res.ok(), `GET / answered ${res ? res.status() : 'nothing'}`);
        // The whole run is under the server's policy; finalChecks counts violations.
        const csp = res.headers()['content-security-policy'] ?? '';
        assert(csp.includes("script-src 'self'") && !csp.includes('unsafe-inline'), `Content-Security-Policy: "${csp}"`);
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

    await check('the map canvas draws under the Content-Security-Policy', async () => {
      assert(adminReady, 'map not ready');
      const canvas = page.locator('#map canvas.maplibregl-canvas');
      const box = await canvas.boundingBox();
      assert(box && box.width > 300 && box.height > 300, `map canvas box ${JSON.stringify(box)}`);
      // Count the colours of what the screen shows of the canvas (a blank
      // map is one colour); the browser decodes the shot, as a data: image.
      const shot = (await canvas.screenshot()).toString('base64');
      const colours = await page.evaluate(async (png) => {
        const img = new Image();
        img.src = `data:image/png;base64,${png}`;
        await img.decode();
        const c = document.createElement('canvas');
        c.width = img.width;
        c.height = img.height;
        const g = c.getContext('2d');
        g.drawImage(img, 0, 0);
        const px = g.getImageData(0, 0, c.width, c.height).data;
        const seen = new Set();
        for (let i = 0; i < px.length; i += 4 * 7) seen.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
        return seen.size;
      }, shot);
      assert(colours >= 20, `the map canvas shows ${colours} colours: it drew nothing`);
      return `${colours} colours`;
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
      await watch(phone);
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
  if (liaison !== undefined) await form.locator(`#rq-${action}-liaison_id`).selectOption(liaison);
  if (note !== undefined) await form.locator('textarea').fill(note);
  if (stars !== undefined) await form.locator(`.star[data-value="${stars}"]`).click();
  await form.locator('.submit').click();
  return form;
}

async function runRequestLoop() {
  const browser = await launch();
  try {
    const options = { viewport: VIEWPORT, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' };
    // Two contexts: two cookie jars, two users at once.
    const adminPage = await (await browser.newContext(options)).newPage();
    const officerPage = await (await browser.newContext(options)).newPage();
    await watch(adminPage);
    await watch(officerPage);

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
      const liaisonSelect = form.locator('#rq-assign-liaison_id');
      const values = await liaisonSelect.evaluate((s) => [...s.options].map((o) => o.value).filter(Boolean));
      assert(values.length > 0, 'no liaison to choose');
      await liaisonSelect.selectOption(values[values.length - 1]);
      // The alliance units come grouped by kind; hand it to a bank as well.
      const unitSelect = form.locator('#rq-assign-unit_id');
      const bank = await unitSelect.evaluate((s) => {
        const o = s.querySelector('optgroup[label="金融机构"] option');
        return o ? { value: o.value, name: o.textContent.replace(/（.*$/, '') } : null;
      });
      assert(bank, 'no 金融机构 among the alliance units');
      await unitSelect.selectOption(bank.value);
      await form.locator('textarea').fill('请联络员三个工作日内上门对接');
      await form.locator('.submit').click();
      const panel = await waitForPanel(officerPage, reported.id, 2);
      assert(panel.status === 'assigned' && panel.current === '交办', `status ${panel.status}, step ${panel.current}`);
      assert(panel.history.join(',') === '上报诉求,交办', `history: ${panel.history.join(',')}`);
      const detail = await officerPage.locator('#detail .tl-item[data-action="assign"] .tl-detail').textContent();
      assert(detail.includes(`联盟单位 ${bank.name}`), `the assignment reads "${detail}"`);
      assert(panel.notice === '已交办', `notice "${panel.notice}"`);
      // The admin's panel, still open on it, follows without a click.
      const admin = await waitForPanel(adminPage, reported.id, 2);
      assert(admin.history.length === 2, `the admin's panel shows ${admin.history.length} events`);
      assert(admin.notice === '该诉求刚刚有新进展（交办），已自动刷新', `the admin's panel says "${admin.notice}"`);
      return `liaison ${values[values.length - 1]} of ${values.length}; unit ${bank.name}`;
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
      await check('a planner gets no 上报诉求 in the popup (only the contact log) and no actions in the panel', async () => {
        const planner = await (await browser.newContext(options)).newPage();
        await watch(planner);
        await signInAs(planner, PLANNER);
        const at = await planner.evaluate(() => window.__gridgis.orgScreenPoint());
        assert(at, 'no organization drawn');
        await planner.mouse.click(at.x, at.y);
        await planner.locator('.maplibregl-popup', { hasText: '统一社会信用代码' }).waitFor({ timeout: 5_000 });
        assert((await planner.locator('.maplibregl-popup .popup-action[data-action="report"]').count()) === 0, 'the planner is offered 上报诉求');
        // Only the read-only contact log.
        const offered = await planner.locator('.maplibregl-popup .popup-action').allTextContents();
        assert(offered.join(',') === '联系记录', `the planner is offered ${offered.join(',')}`);
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

// ---- (f) contact log, rebalancing and statistics -----------------------------

/** Waits until the side panel shows view (and, for an organization, id) loaded. */
async function waitForSide(page, view, orgId) {
  await page.waitForFunction(
    ([view, orgId]) => {
      const d = document.getElementById('detail');
      return !d.hidden && d.dataset.view === view && (orgId === undefined || d.dataset.orgId === String(orgId)) && d.getAttribute('aria-busy') === 'false';
    },
    [view, orgId],
    { timeout: 10_000 },
  );
}

/** Opens an organization's panel from its popup; tries the candidates until one is clickable on the map. */
async function openOrgPanel(page, candidates) {
  for (const id of candidates.slice(0, 8)) {
    const org = await page.evaluate((id) => window.__gridgis.org(id), id);
    const at = await page.evaluate((id) => window.__gridgis.orgPoint(id), id);
    if (!org || !at) continue;
    await page.mouse.click(at.x, at.y);
    const popup = page.locator('.maplibregl-popup');
    try {
      await popup.locator('.popup-title', { hasText: org.name }).waitFor({ timeout: 2_000 });
    } catch {
      // Another dot (or a request badge) was on top: try the next one.
      await page.keyboard.press('Escape');
      continue;
    }
    await popup.locator('.popup-action[data-action="org"]').click();
    await waitForSide(page, 'org', id);
    return { id, ...org };
  }
  throw new Error(`none of ${candidates.length} organizations could be clicked on the map`);
}

async function runViews() {
  const browser = await launch();
  try {
    const options = { viewport: VIEWPORT, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', acceptDownloads: true };
    const adminPage = await (await browser.newContext(options)).newPage();
    await watch(adminPage);
    await signInAs(adminPage, ADMIN);

    // -- a liaison logs a visit; the overdue badge clears, live on the admin's map too

    if (LIAISON.username && LIAISON.password) {
      const liaisonPage = await (await browser.newContext(options)).newPage();
      await watch(liaisonPage);
      let visited = null;
      await check(`the liaison ${LIAISON.username} sees an organization overdue for a visit, ringed on the map`, async () => {
        const state = await signInAs(liaisonPage, LIAISON);
        assert(state.user.role === 'liaison', `signed in as ${state.user.role}`);
        assert((await liaisonPage.locator('#tool-stats').isHidden()) && (await liaisonPage.locator('#tool-rebalance').isHidden()), 'a liaison is offered 统计 or 包联优化');
        const overdue = await liaisonPage.evaluate(() => window.__gridgis.overdueOrgIds('visit'));
        assert(overdue.length > 0, 'no organization of this liaison is overdue for a visit');
        await liaisonPage.locator('#legend input[name="overdue"]').check();
        const count = ((await liaisonPage.locator('#legend [data-count="overdue"]').textContent()) ?? '').trim();
        assert(count === `${(await liaisonPage.evaluate(() => window.__gridgis.overdueOrgIds())).length} 家`, `the legend counts "${count}"`);
        visited = await openOrgPanel(liaisonPage, overdue);
        const badge = liaisonPage.locator('#detail .contact-badge[data-kind="visit"]');
        assert((await badge.getAttribute('data-tone')) === 'overdue' && (await badge.textContent()) === '超期未走访', `visit badge: ${await badge.textContent()}`);
        assert(await liaisonPage.locator('#detail .contact-form').isVisible(), 'no 登记 form for the liaison');
        assert((await liaisonPage.locator('#detail .liaison-form').count()) === 0, 'a liaison is offered to reassign');
        await liaisonPage.screenshot({ path: join(OUT_DIR, 'contact-overdue.png') });
        return `${visited.name}; screenshot e2e/out/contact-overdue.png`;
      });

      await check('a visit in the future is refused before sending; a visit logged now clears 超期未走访', async () => {
        assert(visited, 'no organization open');
        const form = liaisonPage.locator('#detail .contact-form');
        await form.locator('input[name="contact-kind"][value="visit"]').check();
        let posted = 0;
        const count = (req) => {
          if (req.method() === 'POST' && new URL(req.url()).pathname.endsWith('/contacts')) posted++;
        };
        liaisonPage.on('request', count);
        const tomorrow = new Date(Date.now() + 8 * 3600_000 + 86_400_000).toISOString().slice(0, 16);
        await form.locator('#contact-at').fill(tomorrow);
        await form.locator('.submit').click();
        const atError = ((await form.locator('[data-field="at"] .field-error').textContent()) ?? '').trim();
        assert(atError === '时间不能晚于现在', `time error reads "${atError}"`);
        assert(posted === 0, 'a visit in the future was sent');
        await form.locator('#contact-at').fill('');
        await form.locator('#contact-note').fill('e2e 上门走访，了解企业用工需求');
        const answered = liaisonPage.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `/api/v1/organizations/${visited.id}/contacts`);
        await form.locator('.submit').click();
        const res = await answered;
        liaisonPage.off('request', count);
        assert(res.status() === 201, `POST contacts answered ${res.status()}`);
        const body = await res.json();
        assert(body.kind === 'visit' && body.note === 'e2e 上门走访，了解企业用工需求', `logged ${JSON.stringify(body)}`);
        await liaisonPage.locator('#detail .detail-notice', { hasText: '已登记走访' }).waitFor({ timeout: 10_000 });
        await waitForSide(liaisonPage, 'org', visited.id);
        const badges = await liaisonPage.$$eval('#detail .contact-badge', (bs) => bs.map((b) => `${b.dataset.kind}:${b.dataset.tone}:${b.textContent}`));
        assert(badges.join(',') === 'contact:ok:按期,visit:ok:按期', `badges after the visit: ${badges.join(',')}`);
        const first = liaisonPage.locator('#detail .contact-log .tl-item').first();
        assert((await first.getAttribute('data-kind')) === 'visit' && ((await first.textContent()) ?? '').includes('e2e 上门走访'), 'the log does not start with the visit');
        const org = await liaisonPage.evaluate((id) => window.__gridgis.org(id), visited.id);
        assert(!org.visit_overdue && !org.contact_overdue, `the map still has it overdue: ${JSON.stringify(org)}`);
        assert(!(await liaisonPage.evaluate((id) => window.__gridgis.overdueOrgIds().includes(id), visited.id)), 'still ringed on the map');
        await liaisonPage.screenshot({ path: join(OUT_DIR, 'contact-logged.png') });
        return 'screenshot e2e/out/contact-logged.png';
      });

      await check("the admin's map clears it live, with a toast", async () => {
        assert(visited, 'no visit logged');
        await adminPage.waitForFunction((id) => window.__gridgis.org(id)?.visit_overdue === false, visited.id, { timeout: 10_000 });
        await adminPage.waitForFunction((n) => window.__gridgis.toasts().includes(`新增走访记录：${n}`), visited.name, { timeout: 5_000 });
        // The liaison's own page announced nothing.
        const own = await liaisonPage.evaluate(() => window.__gridgis.toasts());
        assert(!own.some((t) => t.includes('走访记录')), `the liaison's page toasts its own visit: ${own.join('; ')}`);
      });
      await liaisonPage.context().close();
    } else {
      console.log('# contact check not run: E2E_LIAISON_USER / E2E_LIAISON_PASSWORD are not set');
    }

    // -- the admin builds, previews and applies a plan; a stale plan is refused

    let plans = [];
    const openRebalance = async (page) => {
      await page.locator('#tool-rebalance').click();
      await page.waitForFunction(() => document.getElementById('detail').dataset.view === 'rebalance', null, { timeout: 5_000 });
    };
    const build = async (page) => {
      const answered = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/rebalance/plans');
      await page.locator('#rb-build').click();
      const res = await answered;
      assert(res.status() === 201, `POST /api/v1/rebalance/plans answered ${res.status()}`);
      const plan = await res.json();
      await page.waitForFunction((id) => window.__gridgis.plan?.id === id && document.getElementById('detail').getAttribute('aria-busy') === 'false', plan.id, {
        timeout: 20_000,
      });
      return plan;
    };

    await check('the admin asks for more than the liaisons can carry: the reason is shown (422)', async () => {
      await openRebalance(adminPage);
      await adminPage.locator('#rb-min').fill('20');
      await adminPage.locator('#rb-max').fill('25');
      await expecting(['422 POST /api/v1/rebalance/plans'], async () => {
        await adminPage.locator('#rb-build').click();
        await adminPage.locator('#detail .rb-failure[data-kind="infeasible"]').waitFor({ timeout: 20_000 });
      });
      const reason = ((await adminPage.locator('#detail .rb-failure .rb-reason').textContent()) ?? '').trim();
      assert(/^网格「.+」只有 \d+ 家组织，不够 \d+ 名联络员每人至少 20 家$/.test(reason), `the reason reads "${reason}"`);
      // A bad bound is caught before sending.
      await adminPage.locator('#rb-min').fill('9');
      await adminPage.locator('#rb-max').fill('5');
      await adminPage.locator('#rb-build').click();
      const error = ((await adminPage.locator('[data-field="min"] .field-error').textContent()) ?? '').trim();
      assert(error === '最少包联数不能大于最多包联数', `min error reads "${error}"`);
      await adminPage.locator('#rb-min').fill('5');
      await adminPage.locator('#rb-max').fill('8');
      return reason;
    });

    await check('the admin builds a plan: before/after metrics, move lines on the map, the moves listed', async () => {
      const plan = await build(adminPage);
      plans.push(plan);
      assert(plan.status === 'draft' && plan.moves.length > 0, `plan #${plan.id}: ${plan.status}, ${plan.moves.length} moves`);
      const rows = await adminPage.$$eval('#detail .rb-metrics tbody tr', (trs) =>
        Object.fromEntries(trs.map((tr) => [tr.dataset.metric, [...tr.querySelectorAll('td')].map((td) => td.textContent)])),
      );
      for (const key of ['load_min', 'load_max', 'load_spread', 'total_distance', 'longest_distance', 'moves', 'covered', 'class:open_requests', 'class:key_enterprise', 'cross_grid']) {
        assert(rows[key], `no metric row ${key}`);
      }
      assert(rows.moves[1] === `${plan.after.moves} 处`, `moves after: ${rows.moves[1]}`);
      const all = plan.before.covered + plan.before.uncovered;
      const share = (Math.round((plan.before.covered * 1000) / all) / 10).toFixed(1);
      assert(rows.covered[0] === `${share}%（${plan.before.covered}/${all}）`, `covered before: ${rows.covered[0]}`);
      assert(/^\d+\.\d%（\d+\/\d+）$/.test(rows['class:key_enterprise'][1]), `key enterprises after: ${rows['class:key_enterprise'][1]}`);
      const lines = await adminPage.evaluate(() => window.__gridgis.moveLines);
      assert(lines === plan.moves.length, `${lines} move lines drawn for ${plan.moves.length} moves`);
      const listed = await adminPage.locator('#detail .rb-move').count();
      assert(listed === plan.moves.length, `${listed} moves listed`);
      // A move in the list flies to its organization.
      const item = adminPage.locator('#detail .rb-move').first();
      const orgId = Number(await item.getAttribute('data-org-id'));
      const name = ((await item.locator('.rb-move-org').textContent()) ?? '').trim();
      await item.click();
      await adminPage.locator('.maplibregl-popup .popup-title', { hasText: name }).waitFor({ timeout: 5_000 });
      await adminPage.waitForTimeout(700); // the flight
      await adminPage.screenshot({ path: join(OUT_DIR, 'rebalance-plan.png') });
      return `plan #${plan.id}: ${plan.moves.length} moves (org #${orgId} shown); screenshot e2e/out/rebalance-plan.png`;
    });

    await check('the admin applies a second plan after confirming; the map takes the new assignments', async () => {
      assert(plans.length === 1, 'no first plan');
      const plan = await build(adminPage);
      plans.push(plan);
      await adminPage.locator('#rb-apply').click();
      const confirm = adminPage.locator('#rb-confirm');
      await confirm.waitFor({ timeout: 5_000 });
      const text = ((await adminPage.locator('.rb-confirm-text').textContent()) ?? '').trim();
      assert(text.includes(`${plan.moves.length} 家组织`), `the confirmation says "${text}"`);
      const answered = adminPage.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `/api/v1/rebalance/plans/${plan.id}/apply`);
      await confirm.click();
      const res = await answered;
      assert(res.status() === 200, `apply answered ${res.status()}`);
      await adminPage.waitForFunction((id) => window.__gridgis.plan?.id === id && window.__gridgis.plan.status === 'applied', plan.id, { timeout: 20_000 });
      await adminPage.locator('#detail .detail-notice', { hasText: '方案已应用' }).waitFor({ timeout: 5_000 });
      const moved = plan.moves.find((m) => m.to_liaison_id !== null);
      await adminPage.waitForFunction(([id, to]) => window.__gridgis.org(id)?.liaison_id === to, [moved.org_id, moved.to_liaison_id], { timeout: 20_000 });
      assert((await adminPage.locator('#rb-apply').count()) === 0, 'an applied plan still offers 应用方案');
      return `plan #${plan.id} applied; org #${moved.org_id} → liaison #${moved.to_liaison_id}`;
    });

    await check('applying the first plan, now stale, is refused (409): the panel says so and rebuilds it', async () => {
      assert(plans.length === 2, 'no plans');
      const stale = plans[0];
      await adminPage.locator(`#detail .rb-history-item[data-plan-id="${stale.id}"]`).click();
      await adminPage.waitForFunction((id) => window.__gridgis.plan?.id === id, stale.id, { timeout: 10_000 });
      await adminPage.locator('#rb-apply').click();
      const path = `/api/v1/rebalance/plans/${stale.id}/apply`;
      await expecting([`409 POST ${path}`], async () => {
        const answered = adminPage.waitForResponse((r) => new URL(r.url()).pathname === path);
        await adminPage.locator('#rb-confirm').click();
        const res = await answered;
        assert(res.status() === 409, `the stale apply answered ${res.status()}`);
        await adminPage.locator('#detail .rb-failure[data-kind="stale"]').waitFor({ timeout: 10_000 });
      });
      const rebuild = adminPage.locator('#detail .rb-rebuild');
      assert(await rebuild.isVisible(), 'no 重新生成 offered');
      const answered = adminPage.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/rebalance/plans');
      await rebuild.click();
      const fresh = await (await answered).json();
      await adminPage.waitForFunction((id) => window.__gridgis.plan?.id === id, fresh.id, { timeout: 20_000 });
      assert(fresh.status === 'draft', `rebuilt plan is ${fresh.status}`);
      return `plan #${stale.id} refused; rebuilt as #${fresh.id} with ${fresh.moves.length} moves`;
    });

    // -- a planner reads the KPIs per grid and the plans

    if (PLANNER.password) {
      const planner = await (await browser.newContext(options)).newPage();
      await watch(planner);
      await check('the planner opens 统计: per grid, every rate with its numerator and denominator, and a choropleth', async () => {
        await signInAs(planner, PLANNER);
        const answered = planner.waitForResponse((r) => {
          const u = new URL(r.url());
          return u.pathname === '/api/v1/stats' && u.searchParams.get('by') === 'grid';
        });
        await planner.locator('#tool-stats').click();
        const served = await (await answered).json();
        await planner.waitForFunction(() => window.__gridgis.stats?.by === 'grid', null, { timeout: 10_000 });
        const stats = await planner.evaluate(() => window.__gridgis.stats);
        const grids = stats.rows.filter((r) => r.key !== 'total' && r.key !== 'none');
        assert(grids.length === EXPECTED_GRIDS, `${grids.length} grid rows`);
        assert(stats.rows.at(-1).key === 'total' && stats.rows.at(-1).name === '合计', 'no 合计 row last');
        const rate = /^(\d+\.\d%（\d+\/\d+）|—（0\/0）)$/;
        for (const r of stats.rows) {
          for (const k of ['closure_rate', 'on_time_rate', 'rework_rate', 'answered_24h', 'contact_compliance', 'visit_compliance']) {
            assert(rate.test(r.cells[k]), `${r.name} ${k} reads "${r.cells[k]}"`);
          }
        }
        // The counts are the server's, each rate over its own numerator and denominator.
        for (const g of served.groups) {
          const row = stats.rows.find((r) => r.key === g.key);
          assert(row, `no row for group ${g.key}`);
          for (const k of ['closure_rate', 'on_time_rate', 'answered_24h', 'visit_compliance']) {
            const r = g[k];
            assert(row.cells[k].endsWith(`（${r.numerator}/${r.denominator}）`), `${row.name} ${k} reads "${row.cells[k]}", served ${r.numerator}/${r.denominator}`);
          }
        }
        // The same cell on screen as in the hook.
        const shown = ((await planner.locator(`.stats-table tr[data-key="${grids[0].key}"] td[data-kpi="answered_24h"]`).textContent()) ?? '').trim();
        assert(shown === grids[0].cells.answered_24h, `table shows "${shown}"`);
        assert(stats.kpi === 'closure_rate', `the map is coloured by ${stats.kpi}`);
        assert((await planner.locator('.stats-legend-list li').count()) >= 2, 'no choropleth legend');
        await planner.waitForTimeout(600);
        await planner.screenshot({ path: join(OUT_DIR, 'stats.png') });
        return `${grids[0].name}: 办结率 ${grids[0].cells.closure_rate}; screenshot e2e/out/stats.png`;
      });

      await check('the planner exports the table as CSV (UTF-8 with BOM) and checks a date range', async () => {
        const downloaded = planner.waitForEvent('download');
        await planner.locator('#stats-export').click();
        const file = await downloaded;
        const name = file.suggestedFilename();
        assert(/^统计_按网格_\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}\.csv$/.test(name), `file name ${name}`);
        const { readFile } = await import('node:fs/promises');
        const bytes = await readFile(await file.path());
        assert(bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf, 'no UTF-8 BOM');
        const lines = bytes.toString('utf8').slice(1).split('\r\n').filter(Boolean);
        assert(lines[0].startsWith('网格,统计起,统计止,上报（件）'), `header ${lines[0].slice(0, 60)}`);
        const rows = await planner.evaluate(() => window.__gridgis.stats.rows.length);
        assert(lines.length === rows + 1, `${lines.length - 1} CSV rows for ${rows} table rows`);
        // A start after the end is refused without asking the server.
        let asked = 0;
        const count = (req) => {
          if (new URL(req.url()).pathname === '/api/v1/stats') asked++;
        };
        planner.on('request', count);
        const to = await planner.locator('#stats-to').inputValue();
        await planner.locator('#stats-from').fill(to.replace(/^(\d{4})/, (y) => String(Number(y) + 1)));
        await planner.locator('#stats-from').dispatchEvent('change');
        const error = ((await planner.locator('.stats-range-error').textContent()) ?? '').trim();
        assert(error === '开始日期不能晚于结束日期', `range error reads "${error}"`);
        assert(asked === 0, 'an impossible range was sent');
        planner.off('request', count);
        // By month.
        await planner.locator('.stats-presets .chip[data-preset="90d"]').click();
        await planner.locator('#stats-by').selectOption('month');
        await planner.waitForFunction(() => window.__gridgis.stats?.by === 'month' && window.__gridgis.stats.kpi === null, null, { timeout: 10_000 });
        const months = await planner.evaluate(() => window.__gridgis.stats.rows.filter((r) => r.key !== 'total').map((r) => r.name));
        assert(months.length >= 3 && months.length <= 4 && months.every((m) => /^\d{4}-\d{2}$/.test(m)), `months: ${months.join(',')}`);
        return `${name}, ${lines.length - 1} rows; months ${months.join('、')}`;
      });

      await check('the planner sorts the statistics by a month column and back', async () => {
        await planner.locator('.stats-table th[data-sort="name"] button').click();
        await planner.waitForFunction(() => window.__gridgis.stats?.sort?.key === 'name', null, { timeout: 5_000 });
        await planner.locator('.stats-table th[data-sort="name"] button').click();
        await planner.waitForFunction(() => window.__gridgis.stats?.sort?.dir === 'desc', null, { timeout: 5_000 });
        const rows = await planner.evaluate(() => window.__gridgis.stats.rows);
        const months = rows.filter((r) => r.key !== 'total').map((r) => r.name);
        assert(months.every((m, i) => i === 0 || months[i - 1] > m), `not newest first: ${months.join(',')}`);
        assert(rows[rows.length - 1].key === 'total' || !rows.some((r) => r.key === 'total'), 'the total left the foot');
        const focused = await planner.evaluate(() => document.activeElement?.closest('th')?.dataset.sort ?? '');
        assert(focused === 'name', `focus went to "${focused}" after sorting`);
        return `months newest first: ${months.join('、')}`;
      });

      await check('the planner sees the plans read-only', async () => {
        await planner.locator('#stats-close').click();
        await openRebalance(planner);
        await planner.waitForFunction(() => window.__gridgis.plan !== null, null, { timeout: 10_000 });
        assert((await planner.locator('#rb-build').count()) === 0, 'a planner is offered 生成方案');
        assert((await planner.locator('#rb-apply').count()) === 0, 'a planner is offered 应用方案');
        const listed = await planner.locator('#detail .rb-history-item').count();
        assert(listed >= 3, `${listed} plans listed`);
        return `${listed} plans`;
      });

      await check('the planner opens 覆盖率: 党组织覆盖率 per grid as x%（n/d） from the API, and a grid\'s gap organizations', async () => {
        const served = (indicator) =>
          planner.waitForResponse((r) => {
            const u = new URL(r.url());
            return u.pathname === '/api/v1/coverage' && u.searchParams.get('indicator') === indicator;
          });
        let answered = served('party_org');
        await planner.locator('#tool-coverage').click();
        await answered;
        await planner.waitForFunction(() => window.__gridgis.coverage?.indicator === 'party_org', null, { timeout: 10_000 });
        answered = served('standalone');
        await planner.locator('#coverage-indicator').selectOption('standalone');
        await answered;
        answered = served('party_org');
        await planner.locator('#coverage-indicator').selectOption({ label: '党组织覆盖率' });
        const body = await (await answered).json();
        await planner.waitForFunction(() => window.__gridgis.coverage?.indicator === 'party_org', null, { timeout: 10_000 });
        const cov = await planner.evaluate(() => window.__gridgis.coverage);
        assert(body.features.length === EXPECTED_GRIDS, `${body.features.length} grids served`);
        for (const f of body.features) {
          const row = cov.rows.find((r) => r.key === String(f.id));
          const p = f.properties;
          assert(row && row.text.endsWith(`（${p.numerator}/${p.denominator}）`), `${p.name} reads "${row?.text}", served ${p.numerator}/${p.denominator}`);
        }
        const zone = body.zones[0];
        assert(cov.total.includes(`（${zone.numerator}/${zone.denominator}）`), `zone total reads "${cov.total}"`);
        const grid = cov.rows.filter((r) => !r.key.startsWith('zone:')).sort((a, b) => b.gaps - a.gaps)[0];
        assert(grid.gaps > 0, 'no grid with a gap');
        const shown = ((await planner.locator(`.coverage-table tr[data-key="${grid.key}"] td.coverage-rate`).textContent()) ?? '').trim();
        assert(/^\d+\.\d%（\d+\/\d+）$/.test(shown) && shown === grid.text, `table shows "${shown}"`);
        // The gap list: the server's first page of the grid's gap organizations.
        const gapsServed = planner.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/coverage/gaps');
        await planner.locator(`.coverage-gap-button[data-grid="${grid.key}"]`).click();
        const gapBody = await (await gapsServed).json();
        await planner.waitForFunction(() => (window.__gridgis.coverage?.gaps?.ids.length ?? 0) > 0, null, { timeout: 10_000 });
        const gaps = await planner.evaluate(() => window.__gridgis.coverage.gaps);
        // The server sends a page in storage order; the list is by id.
        const servedIDs = gapBody.features.map((f) => f.id).sort((a, b) => a - b);
        assert(gaps.ids.join(',') === servedIDs.join(','), `the list ${gaps.ids} is not the served page ${servedIDs} by id`);
        assert(gapBody.features.every((f) => String(f.properties.grid_id) === grid.key && f.properties.party_org === 'none'), 'a gap organization outside the grid or with a party organization');
        assert((await planner.locator('#coverage-gaps .coverage-gap-item').count()) === gaps.ids.length, 'list items differ from the hook');
        await planner.locator('#coverage-gaps .coverage-gap-item').first().click();
        await planner.locator('.maplibregl-popup', { hasText: gaps.names[0] }).waitFor({ timeout: 5_000 });
        await planner.waitForTimeout(500);
        await planner.screenshot({ path: join(OUT_DIR, 'coverage.png') });
        return `${grid.name}: 党组织覆盖率 ${grid.text}, ${gaps.ids.length} gap organizations listed${gaps.more ? ' (more pages)' : ''}; ${cov.total}; screenshot e2e/out/coverage.png`;
      });

      await check('the planner sorts 覆盖率 by rate, sees the lowest grid marked, and downloads its gap organizations in full', async () => {
        const rateOf = (r) => (r.denominator > 0 ? r.numerator / r.denominator : Infinity);
        await planner.locator('.coverage-table th[data-sort="rate"] button').click();
        await planner.waitForFunction(() => window.__gridgis.coverage?.sort?.key === 'rate', null, { timeout: 5_000 });
        const cov = await planner.evaluate(() => window.__gridgis.coverage);
        const grids = cov.rows.filter((r) => !r.key.startsWith('zone:'));
        const rates = grids.map(rateOf);
        assert(rates.every((v, i) => i === 0 || rates[i - 1] <= v), `not ascending: ${grids.map((r) => r.text).join(' ')}`);
        assert(cov.rows[cov.rows.length - 1].key.startsWith('zone:'), 'the zone total left the foot');
        const domOrder = await planner.locator('.coverage-table tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.key));
        assert(domOrder.join(',') === cov.rows.map((r) => r.key).join(','), `table order ${domOrder} differs from the hook`);
        assert((await planner.locator('.coverage-table th[data-sort="rate"]').getAttribute('aria-sort')) === 'ascending', 'aria-sort not ascending');
        const lowest = Math.min(...rates);
        const want = grids.filter((r) => rateOf(r) === lowest).map((r) => r.key).sort();
        assert(cov.worst.slice().sort().join(',') === want.join(','), `worst ${cov.worst}, want ${want}`);
        const marked = await planner.locator('.coverage-table tr.worst').evaluateAll((trs) => trs.map((tr) => tr.dataset.key).sort());
        assert(marked.join(',') === want.join(','), `rows marked ${marked}, want ${want}`);
        await planner.locator(`.coverage-table tr[data-key="${want[0]}"] .worst-badge`).waitFor({ timeout: 2_000 });
        // Its gap list: names in full, and the file.
        await planner.locator(`.coverage-gap-button[data-grid="${want[0]}"]`).click();
        await planner.waitForFunction((g) => window.__gridgis.coverage?.gaps?.grid === Number(g) && window.__gridgis.coverage.gaps.ids.length > 0, want[0], { timeout: 10_000 });
        const clipped = await planner.locator('#coverage-gaps .coverage-gap-name').evaluateAll((els) => els.filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent));
        assert(clipped.length === 0, `gap names cut off: ${clipped.join('、')}`);
        const downloaded = planner.waitForEvent('download', { timeout: 30_000 });
        await planner.locator('#coverage-gaps .coverage-gaps-export[data-format="xlsx"]').click();
        const file = await downloaded;
        const name = file.suggestedFilename();
        // One grid's gap: the grid's name tells the files of several grids apart.
        const gridName = cov.rows.find((r) => r.key === want[0]).name;
        assert(name.startsWith(`缺口组织_党组织覆盖_${gridName}_`) && /_\d{4}-\d{2}-\d{2}\.xlsx$/.test(name), `file name ${name}`);
        const { readFile } = await import('node:fs/promises');
        const bytes = await readFile(await file.path());
        assert(bytes[0] === 0x50 && bytes[1] === 0x4b, 'not an XLSX (zip) file');
        await planner.locator('#coverage-export-status', { hasText: name }).waitFor({ timeout: 5_000 });
        await planner.screenshot({ path: join(OUT_DIR, 'coverage-sorted.png') });
        return `lowest ${cov.rows.find((r) => r.key === want[0]).name} ${cov.rows.find((r) => r.key === want[0]).text}; downloaded ${name} (${bytes.length} bytes); screenshot e2e/out/coverage-sorted.png`;
      });
    } else {
      console.log('# statistics check not run: E2E_PLANNER_PASSWORD is not set');
    }
  } finally {
    await browser.close();
  }
}

/** Checks over every page of the run, at its end. */
async function finalChecks() {
  await check('no Content-Security-Policy violations', async () => {
    const distinct = [...new Set(cspViolations.map((v) => v.slice(0, 300)))];
    assert(distinct.length === 0, `${cspViolations.length} violations: ${distinct.join('; ')}`);
  });

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

await runSteps(
  ['setup', run],
  ['request loop setup', runRequestLoop],
  ['views setup', runViews],
  ['final checks', finalChecks],
);
