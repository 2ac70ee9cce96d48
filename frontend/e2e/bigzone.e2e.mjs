// A large zone (issue 14), against a gridgis server whose map_tiles_above
// is below the demo's 404 organizations (e2e/bigzone_test.go serves it
// with 50):
//
//   GRIDGIS_URL=http://127.0.0.1:18080 E2E_ADMIN_USER=admin E2E_ADMIN_PASSWORD=... \
//   E2E_OFFICER_USER=officer-g01 E2E_OFFICER_PASSWORD=... node e2e/bigzone.e2e.mjs
//
// For an admin at desktop size and an officer on a phone: the app does not
// ask for the whole organization list (no GET /api/v1/organizations without
// bbox), it asks for organization tiles and draws clusters with their
// counts, zoomed out below z12 too; a tap on a cell of one organization
// opens its popup and asks for none of the tiles already loaded again
// (coming back to the same view); tapping clusters zooms in until the
// organizations in view are loaded (by bbox) and drawn one by one, and a
// tap on one opens its popup. The status line says what is shown.
// Screenshots go to e2e/out/bigzone-*.png.
import { join } from 'node:path';
import { OUT_DIR, account, assert, check, checkNoProblems, launch, problems, runSteps, signIn } from './harness.mjs';

const ADMIN = account('admin', 'admin');
const OFFICER = account('officer', 'officer-g01');
const DESKTOP = { viewport: { width: 1280, height: 860 }, locale: 'zh-CN' };
const PHONE = { viewport: { width: 412, height: 823 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' };

/** Records every API request of a page, and failures in problems. */
function watch(page) {
  const requests = [];
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (url.pathname.startsWith('/api/')) requests.push(url);
  });
  page.on('response', (res) => {
    const path = new URL(res.url()).pathname;
    if (res.status() >= 400 && !(res.status() === 401 && path === '/api/v1/me')) problems.push(`HTTP ${res.status()} ${res.request().method()} ${path}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  return requests;
}

const orgTiles = (requests) =>
  requests.filter((u) => u.pathname.startsWith('/api/v1/tiles/organizations/')).map((u) => u.pathname.split('/').slice(5, 8).map((n) => parseInt(n, 10)));

/** Waits for the large-scope view to settle after a move: tiles answered, mode as wanted. */
async function settled(page, mode) {
  await page.waitForTimeout(400); // the view asks 150 ms after the map stops
  await page.waitForFunction(
    (m) => {
      const v = window.__gridgis.orgView;
      return v && v.tiles > 0 && !v.loading && window.__gridgis.mapIdle() && (!m || v.mode === m);
    },
    mode,
    { timeout: 30_000 },
  );
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
}

/** The status line's text. */
const status = (page) => page.locator('#status').textContent();

async function journey(browser, who, acct, size, tap) {
  const context = await browser.newContext(size);
  const page = await context.newPage();
  const requests = watch(page);
  // The organization tiles answered (z/x/y): the view keeps these decoded.
  const tilesDone = new Set();
  page.on('requestfinished', (req) => {
    const path = new URL(req.url()).pathname;
    if (path.startsWith('/api/v1/tiles/organizations/')) tilesDone.add(path.split('/').slice(5, 8).map((n) => parseInt(n, 10)).join('/'));
  });
  const shot = (name) => page.screenshot({ path: join(OUT_DIR, `bigzone-${who}-${name}.png`) });

  await check(`${who}: signs in to a large scope drawn from tiles, without the whole organization list`, async () => {
    await signIn(page, acct);
    await settled(page);
    const v = await page.evaluate(() => window.__gridgis.orgView);
    assert(v, 'the app loaded this scope whole (no large-scope view)');
    assert(v.total > 50, `the scope total is ${v.total}`);
    const whole = requests.filter((u) => u.pathname === '/api/v1/organizations' && !u.searchParams.has('bbox') && u.searchParams.get('located') !== 'false');
    assert(whole.length === 0, `asked for the whole list: ${whole.map(String).join(', ')}`);
    assert(orgTiles(requests).length > 0, 'no organization tile was asked for');
    return `${v.mode}, ${v.inView} in view of ${v.total}, ${orgTiles(requests).length} tiles`;
  });

  await check(`${who}: zoomed out, clusters with their counts are drawn from low-zoom tiles`, async () => {
    for (let i = 0; i < 3; i++) {
      await page.locator('.maplibregl-ctrl-zoom-out').click();
      await page.waitForTimeout(350);
    }
    await settled(page, 'clusters');
    const zoom = await page.evaluate(() => window.__gridgis.mapZoom());
    const clusters = await page.evaluate(() => window.__gridgis.clusterPoints());
    assert(clusters.length > 0, 'no cluster drawn');
    assert(clusters.some((c) => c.count > 1), `no cluster of several organizations: ${JSON.stringify(clusters)}`);
    const low = orgTiles(requests).filter(([z]) => z < 12);
    assert(low.length > 0, `no tile below z12 asked for at map zoom ${zoom.toFixed(1)}`);
    const line = (await status(page)) ?? '';
    assert(/聚合显示视野内约 \d+ 家 \/ 共 \d+ 家组织/.test(line), `status line: ${line}`);
    // The legend does not count kinds it does not hold.
    const kindCount = ((await page.locator('#legend .kind-item:has(input[value="enterprise"]) .count').first().textContent()) ?? '').trim();
    assert(kindCount === '', `the legend counts kinds: ${kindCount}`);
    await shot('clusters');
    return `z${zoom.toFixed(1)}: ${clusters.length} clusters, largest ${clusters[0].count}; "${line.trim()}"`;
  });

  await check(`${who}: a tap on a lone organization's cell opens its popup and keeps the tiles loaded`, async () => {
    // Clusters are shown: zoom in (not past them) until a cell of one organization is drawn.
    let lone = null;
    for (let i = 0; i < 6; i++) {
      const v = await page.evaluate(() => window.__gridgis.orgView);
      assert(v.mode === 'clusters', `no lone cell found before the view loaded its organizations (z${(await page.evaluate(() => window.__gridgis.mapZoom())).toFixed(1)})`);
      lone = await page.evaluate(() => window.__gridgis.loneCellPoint());
      if (lone) break;
      await page.locator('.maplibregl-ctrl-zoom-in').click();
      await settled(page);
    }
    assert(lone, 'no cell of one organization drawn');
    const view = await page.evaluate(() => window.__gridgis.mapView());
    const loaded = new Set(tilesDone);
    const from = requests.length;
    await tap(page, lone.x, lone.y);
    const popup = page.locator('.maplibregl-popup', { hasText: '统一社会信用代码' });
    await popup.waitFor({ state: 'visible', timeout: 10_000 });
    const title = ((await popup.locator('.popup-title').textContent()) ?? '').trim();
    await settled(page);
    await titleClear(page);
    await shot('lone');
    // Back where the tap was: a read forgets no tile, so none is asked for again.
    await page.evaluate((v) => window.__gridgis.mapJumpTo(v), view);
    await settled(page, 'clusters');
    const after = requests.slice(from);
    const again = orgTiles(after).filter((t) => loaded.has(t.join('/')));
    assert(again.length === 0, `${again.length} of the ${loaded.size} tiles loaded before the tap were asked for again: ${again.slice(0, 5).map((t) => t.join('/')).join(', ')}`);
    const one = after.filter((u) => u.pathname === `/api/v1/organizations/${lone.id}`);
    assert(one.length === 1, `organization ${lone.id} was read ${one.length} times`);
    // Clusters shown again: the store holds no organization (the tapped one left with the move).
    const held = await page.evaluate(() => window.__gridgis.heldOrgIds());
    assert(held.length <= 1 && held.every((id) => id === lone.id), `the store holds ${held.length} organizations in clusters mode`);
    await page.locator('.maplibregl-popup-close-button').click().catch(() => {});
    return `"${title}" (#${lone.id}); ${orgTiles(after).length} tile requests after the tap, none for the ${loaded.size} loaded`;
  });

  await check(`${who}: tapping clusters zooms in until the organizations in view are drawn one by one`, async () => {
    const before = await page.evaluate(() => window.__gridgis.mapZoom());
    for (let i = 0; i < 8; i++) {
      const v = await page.evaluate(() => window.__gridgis.orgView);
      if (v.mode === 'orgs') break;
      const [c] = await page.evaluate(() => window.__gridgis.clusterPoints());
      assert(c, 'no cluster to tap');
      await tap(page, c.x, c.y);
      await page.waitForTimeout(700);
      await settled(page);
    }
    await settled(page, 'orgs');
    const after = await page.evaluate(() => window.__gridgis.mapZoom());
    assert(after > before, `the map did not zoom in (${before} → ${after})`);
    const bbox = requests.filter((u) => u.pathname === '/api/v1/organizations' && u.searchParams.has('bbox'));
    assert(bbox.length > 0, 'the organizations in view were not asked for by bbox');
    const line = (await status(page)) ?? '';
    assert(/显示当前视野内 \d+ 家 \/ 共 \d+ 家组织/.test(line), `status line: ${line}`);
    await shot('orgs');
    return `z${after.toFixed(1)}; "${line.trim()}"`;
  });

  await check(`${who}: a tap on an organization opens its popup`, async () => {
    const at = await page.evaluate(() => window.__gridgis.orgScreenPoint());
    assert(at, 'no organization is drawn inside the map');
    await tap(page, at.x, at.y);
    const popup = page.locator('.maplibregl-popup', { hasText: '统一社会信用代码' });
    await popup.waitFor({ state: 'visible', timeout: 5_000 });
    const title = ((await popup.locator('.popup-title').textContent()) ?? '').trim();
    assert(title.length > 0, 'the popup has no organization name');
    await titleClear(page);
    await shot('popup');
    const whole = requests.filter((u) => u.pathname === '/api/v1/organizations' && !u.searchParams.has('bbox') && u.searchParams.get('located') !== 'false');
    assert(whole.length === 0, `asked for the whole list: ${whole.map(String).join(', ')}`);
    return title;
  });
  await context.close();
}

// titleClear waits until no floating status line covers the open popup's
// title (on a phone the status floats over the map's top).
async function titleClear(page) {
  const covered = () => page.evaluate(() => {
    const status = document.getElementById('status');
    const title = document.querySelector('.maplibregl-popup .popup-title');
    if (!status || !title || getComputedStyle(status).position !== 'fixed') return false;
    const a = status.getBoundingClientRect();
    const b = title.getBoundingClientRect();
    return !(a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top);
  });
  for (let i = 0; i < 20 && (await covered()); i++) await page.waitForTimeout(100);
  assert(!(await covered()), 'the status line covers the popup\'s title');
}

let browser;
await runSteps(
  ['setup', async () => (browser = await launch())],
  ['admin at desktop size', () => journey(browser, 'admin', ADMIN, DESKTOP, (page, x, y) => page.mouse.click(x, y))],
  ['officer on a phone', () => journey(browser, 'officer', OFFICER, PHONE, (page, x, y) => page.touchscreen.tap(x, y))],
  ['no problems', () => checkNoProblems('no failed request, page error or console error')],
  ['teardown', async () => browser?.close()],
);
