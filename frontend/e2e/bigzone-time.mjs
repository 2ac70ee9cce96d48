// Times a large zone in Chromium (manual, not part of make test): the first
// load to a settled map, then a zoom from z6 to z16 one step at a time,
// each step from the click to the view settled (tiles answered, the
// organizations in view loaded when few enough, the map idle).
//   GRIDGIS_URL=... E2E_ADMIN_USER=... E2E_ADMIN_PASSWORD=... node e2e/bigzone-time.mjs
import { account, launch, logIn } from './harness.mjs';

const who = account(process.env.TIME_ROLE ?? 'admin');
const browser = await launch();
const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'zh-CN' });
const page = await context.newPage();
const api = { requests: 0, bytes: 0, orgsWhole: 0, tiles: 0, bbox: 0 };
page.on('requestfinished', async (req) => {
  const u = new URL(req.url());
  if (!u.pathname.startsWith('/api/')) return;
  api.requests++;
  if (u.pathname.startsWith('/api/v1/tiles/organizations/')) api.tiles++;
  if (u.pathname === '/api/v1/organizations') {
    if (u.searchParams.has('bbox')) api.bbox++;
    else if (u.searchParams.get('located') !== 'false') api.orgsWhole++; // not 待定位's unlocated list
  }
  const s = await req.sizes().catch(() => null);
  if (s) api.bytes += s.responseBodySize;
});
page.on('pageerror', (e) => console.log('page error', e.message));

async function settled() {
  await page.waitForTimeout(200);
  await page.waitForFunction(() => {
    const h = window.__gridgis;
    const v = h.orgView;
    return h.ready && (!v || (!v.loading && v.tiles > 0)) && h.mapIdle();
  }, null, { timeout: 300_000, polling: 50 });
}

const t0 = Date.now();
await logIn(page, who);
await settled();
const first = Date.now() - t0;
const mem = await page.evaluate(() => performance.memory?.usedJSHeapSize ?? 0);
console.log(`first load: ${(first / 1000).toFixed(2)} s to a settled map (sign-in included); ${api.requests} API requests, ${(api.bytes / 1e6).toFixed(1)} MB, whole-list org requests ${api.orgsWhole}, org tiles ${api.tiles}; JS heap ${(mem / 1e6).toFixed(0)} MB`);
console.log('status:', (await page.locator('#status').textContent())?.trim());

// TIME_HIDE_REQUESTS=1 unticks the request colours in the legend: the zoom without the open requests drawn.
if (process.env.TIME_HIDE_REQUESTS) {
  for (const box of await page.locator('#legend .sla-list input[type=checkbox]').all()) await box.uncheck({ force: true });
}
while ((await page.evaluate(() => window.__gridgis.mapZoom())) > 6.5) {
  await page.locator('.maplibregl-ctrl-zoom-out').click({ noWaitAfter: true, timeout: 120_000 });
  await page.waitForTimeout(300);
}
await settled();
console.log(`at z${(await page.evaluate(() => window.__gridgis.mapZoom())).toFixed(1)}:`, (await page.locator('#status').textContent())?.trim());
const steps = [];
const all = Date.now();
const top = Number(process.env.TIME_MAX_ZOOM ?? 15.9);
while ((await page.evaluate(() => window.__gridgis.mapZoom())) < top) {
  const s = Date.now();
  const before = { ...api };
  await page.locator('.maplibregl-ctrl-zoom-in').click({ noWaitAfter: true, timeout: 120_000 });
  await settled();
  const z = await page.evaluate(() => window.__gridgis.mapZoom());
  const v = await page.evaluate(() => window.__gridgis.orgView);
  steps.push(`z${z.toFixed(0)} ${Date.now() - s} ms (${api.tiles - before.tiles} tiles, ${api.bbox - before.bbox} bbox pages, ${v?.mode} ${v?.inView})`);
}
console.log(`zoom z6→z16: ${((Date.now() - all) / 1000).toFixed(2)} s in all (each step includes the 250 ms zoom animation and 200 ms of settling)`);
for (const s of steps) console.log('  ' + s);
console.log('status:', (await page.locator('#status').textContent())?.trim());
console.log(`totals: ${api.requests} API requests, ${(api.bytes / 1e6).toFixed(1)} MB, whole-list org requests ${api.orgsWhole}`);
await page.screenshot({ path: 'e2e/out/bigzone-million-z16.png' });
await browser.close();
