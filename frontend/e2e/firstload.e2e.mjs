// First load (issue 13 point 8), against a running gridgis server with the
// demo data:
//
//   GRIDGIS_URL=http://127.0.0.1:18080 E2E_OFFICER_USER=officer-g01 E2E_OFFICER_PASSWORD=... \
//   node e2e/firstload.e2e.mjs
//
// Checks that the login view fetches no map code (MapLibre comes with the
// map, after signing in), that the app's hashed files are sent compressed
// and cacheable for a year, and then prints how long a phone takes from a
// cold load to a usable map. The figures are printed, not asserted (a
// loaded test machine would make a time limit flaky); the checks assert
// only that each load completes.
//
// "Usable" means: the map has fired its first 'idle' after the grid,
// organization and request layers were added (window.__gridgis.ready: the
// basemap tiles are drawn and the labels placed), grid labels are on
// screen, and the 待办诉求 list is filled. The time is the page's own clock
// (performance.now(), from the start of the navigation) when that first
// held, polled every 50 ms.
//
// The phone profile: a 412×823 screen at 1.75 pixels per CSS pixel, the
// CPU slowed 4× (Emulation.setCPUThrottlingRate) and a 4G-like link of
// 9 Mbit/s down, 1.5 Mbit/s up and 170 ms round trips
// (Network.emulateNetworkConditions). "Cold" is a browser with an empty
// cache and a live session cookie (someone signed in yesterday opening the
// app); "warm" is the same browser opening it again.
//
// FIRSTLOAD_RUNS sets how many cold loads to time (default 3). Ends with
// "N passed, M failed" and a non-zero exit code on any failure.
import { BASE_URL, account, assert, check, checkNoProblems, launch, problems, runSteps } from './harness.mjs';

const OFFICER = account('officer', 'officer-g01');
const RUNS = Math.max(1, Number(process.env.FIRSTLOAD_RUNS ?? 3));
const PHONE = { viewport: { width: 412, height: 823 }, deviceScaleFactor: 1.75, isMobile: true, hasTouch: true, locale: 'zh-CN' };
const LINK = { offline: false, latency: 170, downloadThroughput: 9e6 / 8, uploadThroughput: 1.5e6 / 8 };
const CPU_SLOWDOWN = 4;
// A string only MapLibre's code holds (the class of the map's canvas): a
// script carrying it carries the map library, whatever its file is called.
const MAPLIBRE_MARK = 'maplibregl-canvas';

/** Records failed requests and page errors in problems. */
function watch(page) {
  page.on('response', (res) => {
    const path = new URL(res.url()).pathname;
    if (res.status() >= 400 && !(res.status() === 401 && path === '/api/v1/me')) problems.push(`HTTP ${res.status()} ${res.request().method()} ${path}`);
  });
  page.on('requestfailed', (req) => {
    if (req.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`${req.method()} ${req.url()}: ${req.failure()?.errorText}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
}

/** The app's own scripts and styles a page fetched, with their answers. */
function recordAssets(page) {
  const assets = [];
  page.on('response', (res) => {
    const url = new URL(res.url());
    if (url.origin === BASE_URL && /\.(m?js|css)$/.test(url.pathname)) assets.push(res);
  });
  return assets;
}

/**
 * Slows the page to the phone profile; returns a counter of the requests
 * it makes and the bytes they bring over the wire. (The CPU slowdown
 * reaches the page, not MapLibre's worker: CDP cannot slow workers.)
 */
async function throttle(context, page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', LINK);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN });
  const wire = { bytes: 0, requests: 0, files: [] };
  // The context sees the worker's script too, which the page's CDP session does not.
  context.on('requestfinished', async (req) => {
    if (!req.url().startsWith('http')) return;
    const sizes = await req.sizes().catch(() => null);
    if (!sizes) return;
    const bytes = sizes.responseHeadersSize + sizes.responseBodySize;
    wire.bytes += bytes;
    wire.requests += 1;
    wire.files.push(`${new URL(req.url()).pathname} ${kb(bytes)} in ${req.timing().responseEnd.toFixed(0)} ms`);
  });
  return wire;
}

/** Resolves with performance.now() when the map is usable (see the top of this file). */
async function usableAt(page) {
  const handle = await page.waitForFunction(
    () => {
      const h = window.__gridgis;
      const todo = document.querySelector('#todo .todo-item, #todo .legend-empty');
      return h?.view === 'map' && h.ready && !h.error && h.renderedLabels().length > 0 && todo ? performance.now() : false;
    },
    null,
    { polling: 50, timeout: 120_000 },
  );
  return Number(await handle.jsonValue());
}

/** When the page had its scripts and its map data, from the start of the navigation. */
function arrivals(page) {
  return page.evaluate(() => {
    const last = (re) => Math.max(0, ...performance.getEntriesByType('resource').filter((e) => re.test(new URL(e.name).pathname)).map((e) => e.responseEnd));
    return { code: last(/^\/assets\/.*\.js$/), data: last(/^\/api\/v1\/(grids|organizations|requests)$/) };
  });
}

const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

let browser;
let session; // the signed-in officer's cookies

await runSteps(
  ['setup', async () => (browser = await launch())],
  [
    'login view',
    async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'zh-CN' });
      const page = await context.newPage();
      watch(page);
      const assets = recordAssets(page);

      await check('the login view fetches no map code', async () => {
        await page.goto(`${BASE_URL}/`, { waitUntil: 'networkidle', timeout: 60_000 });
        await page.waitForFunction(() => window.__gridgis?.view === 'login', null, { timeout: 15_000 });
        await page.waitForLoadState('networkidle');
        assert(assets.length > 0, 'no script or style fetched');
        const named = assets.filter((r) => /maplibre/i.test(r.url()));
        assert(named.length === 0, `fetched ${named.map((r) => new URL(r.url()).pathname).join(', ')}`);
        let bytes = 0;
        for (const res of assets) {
          const body = await res.body();
          assert(!body.includes(MAPLIBRE_MARK), `${new URL(res.url()).pathname} holds MapLibre`);
          bytes += (await res.request().sizes()).responseBodySize;
        }
        return `${assets.length} files, ${kb(bytes)} over the wire: ${assets.map((r) => new URL(r.url()).pathname).join(', ')}`;
      });

      await check('hashed files are compressed and cached for a year; the page is revalidated', async () => {
        for (const res of assets) {
          const h = await res.allHeaders();
          const path = new URL(res.url()).pathname;
          assert(h['cache-control'] === 'public, max-age=31536000, immutable', `${path}: Cache-Control ${h['cache-control']}`);
          assert(h['content-encoding'] === 'br', `${path}: Content-Encoding ${h['content-encoding']}`);
          assert(/accept-encoding/i.test(h.vary ?? ''), `${path}: Vary ${h.vary}`);
        }
        const index = await page.request.get(`${BASE_URL}/`);
        const h = index.headers();
        assert(h['cache-control'] === 'no-cache' && h.etag, `/: Cache-Control ${h['cache-control']}, ETag ${h.etag}`);
        const again = await page.request.get(`${BASE_URL}/`, { headers: { 'If-None-Match': h.etag } });
        assert(again.status() === 304, `/ with If-None-Match: HTTP ${again.status()}`);
      });

      await check('signing in fetches the map code and shows the map', async () => {
        const before = assets.length;
        await page.locator('#login-username').fill(OFFICER.username);
        await page.locator('#login-password').fill(OFFICER.password);
        await page.locator('#login-submit').click();
        await usableAt(page);
        const after = assets.slice(before);
        let holds = false;
        for (const res of after) if ((await res.body()).includes(MAPLIBRE_MARK)) holds = true;
        assert(holds, `no script fetched after signing in holds MapLibre (${after.map((r) => r.url()).join(', ')})`);
      });
      session = await context.storageState();
      await context.close();
    },
  ],
  [
    'phone',
    async () => {
      await check('a phone shows the login form on a cold load', async () => {
        const context = await browser.newContext(PHONE);
        const page = await context.newPage();
        watch(page);
        const wire = await throttle(context, page);
        await page.goto(`${BASE_URL}/`, { waitUntil: 'commit' });
        const handle = await page.waitForFunction(
          () => window.__gridgis?.view === 'login' && document.querySelector('#login-form')?.checkVisibility() ? performance.now() : false,
          null,
          { polling: 50, timeout: 60_000 },
        );
        const ms = Number(await handle.jsonValue());
        await page.waitForLoadState('networkidle');
        console.log(`FIGURE phone login form, cold: ${seconds(ms)} (${wire.requests} requests, ${kb(wire.bytes)})`);
        await context.close();
        return seconds(ms);
      });

      const cold = [];
      for (let i = 1; i <= RUNS; i++) {
        await check(`a phone shows a usable map on a cold load (${i} of ${RUNS})`, async () => {
          const context = await browser.newContext({ ...PHONE, storageState: session });
          const page = await context.newPage();
          watch(page);
          const wire = await throttle(context, page);
          await page.goto(`${BASE_URL}/`, { waitUntil: 'commit' });
          const ms = await usableAt(page);
          cold.push(ms);
          const at = await arrivals(page);
          console.log(
            `FIGURE phone usable map, cold, run ${i}: ${seconds(ms)} (${wire.requests} requests, ${kb(wire.bytes)}; ` +
              `scripts in by ${seconds(at.code)}, map data by ${seconds(at.data)}, then drawing)`,
          );
          if (i === 1) console.log(`  fetched: ${wire.files.join('; ')}`);

          if (i === RUNS) {
            // The same phone again: the hashed files come from its cache unasked.
            wire.bytes = 0;
            wire.requests = 0;
            await page.goto(`${BASE_URL}/`, { waitUntil: 'commit' });
            const warm = await usableAt(page);
            console.log(`FIGURE phone usable map, warm: ${seconds(warm)} (${wire.requests} requests, ${kb(wire.bytes)})`);
          }
          await context.close();
          return seconds(ms);
        });
      }
      if (cold.length > 0) console.log(`FIGURE phone usable map, cold, median of ${cold.length}: ${seconds(median(cold))}`);
    },
  ],
  ['no problems', () => checkNoProblems('no failed request or page error')],
  ['teardown', async () => browser?.close()],
);
