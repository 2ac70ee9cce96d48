// Browser end-to-end test of the basemaps, against a gridgis server whose
// two basemaps are the same test tiles (e2e/basemap_test.go), declared
// GCJ-02 (first) and WGS84. The tiles draw a magenta cross at the GCJ-02
// position of a control point (an organization stands there) and a cyan
// one at its WGS84 position:
//
//   GRIDGIS_URL=… E2E_ADMIN_USER=admin E2E_ADMIN_PASSWORD=… E2E_ORG_ID=12 E2E_ORG_NAME=… \
//   E2E_WGS=113.2,33.7 E2E_GCJ=113.21,33.71 node e2e/basemap.e2e.mjs
//
// Over the GCJ-02 basemap the organization's circle must land on the
// magenta cross (within 2 px); over the WGS84 one on the cyan cross. 定位
// (with a position granted to the browser) draws its dot on the cross and
// an accuracy ring of the right radius; denied, it says so. The panel's
// 导航 sends Amap GCJ-02 and geo: WGS84. Screenshots go to e2e/out/.
import { join } from 'node:path';
import { OUT_DIR, account, assert, check, checkNoProblems, launch, problems, recordFailedResponses, runSteps, signIn } from './harness.mjs';

const ADMIN = account('admin', 'admin');
const ORG_ID = Number(process.env.E2E_ORG_ID ?? 0);
const ORG_NAME = process.env.E2E_ORG_NAME ?? '';
const WGS = (process.env.E2E_WGS ?? '0,0').split(',').map(Number);
const GCJ = (process.env.E2E_GCJ ?? '0,0').split(',').map(Number);
const DESKTOP = { viewport: { width: 1366, height: 768 } };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const ACCURACY = 60; // metres

async function newPage(browser, options, geolocation = true) {
  const context = await browser.newContext({
    ...options,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    ...(geolocation ? { permissions: ['geolocation'], geolocation: { longitude: WGS[0], latitude: WGS[1], accuracy: ACCURACY } } : {}),
  });
  const page = await context.newPage();
  recordFailedResponses(page);
  page.on('response', async (res) => {
    if (res.status() >= 400 && res.request().method() !== 'GET') console.log(`${res.request().method()} ${res.url()}: ${await res.text().catch(() => '')}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  return page;
}

/**
 * Finds the crosses in a screenshot (taken at 1 CSS px per pixel): the
 * middle of each colour's extent, which the circle drawn on its centre
 * does not move; and the colours at the points asked about. Runs in a
 * blank page, outside the app and its CSP.
 */
async function analyse(page, scratch, png, points = [], ring = null, discNear = null) {
  const box = await page.locator('.maplibregl-canvas').boundingBox(); // the map only: not the legend's swatches
  return scratch.evaluate(
    async ({ b64, points, ring, box, discNear }) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width;
      c.height = img.height;
      const g = c.getContext('2d');
      g.drawImage(img, 0, 0);
      const { data: d, width: w, height: h } = g.getImageData(0, 0, c.width, c.height);
      // A cross's centre: the middle of the rows holding its horizontal arm (the most pixels of its
      // colour) and of the columns holding its vertical arm, so a dot over the centre or the edit
      // marker's pin over one arm does not move it.
      const extent = (test) => {
        let minX = Infinity, maxX = -1, n = 0;
        const rows = new Map();
        const cols = new Map();
        for (let y = Math.ceil(box.y); y < Math.min(h, box.y + box.height); y++)
          for (let x = Math.ceil(box.x); x < Math.min(w, box.x + box.width); x++) {
            const i = (y * w + x) * 4;
            if (test(d[i], d[i + 1], d[i + 2])) {
              n++;
              minX = Math.min(minX, x); maxX = Math.max(maxX, x);
              rows.set(y, (rows.get(y) ?? 0) + 1);
              cols.set(x, (cols.get(x) ?? 0) + 1);
            }
          }
        if (!n) return null;
        const middle = (m) => {
          const most = Math.max(...m.values());
          const at = [...m].filter(([, c]) => c >= most - 1).map(([k]) => k);
          return at.reduce((a, b) => a + b, 0) / at.length + 0.5;
        };
        return { x: middle(cols), y: middle(rows), n, width: maxX - minX + 1 };
      };
      // Bright, and far from the third channel: the grids' fills and 定位's
      // ring tint the crosses; the purple organization circle is darker.
      const isMagenta = (r, g, b) => r > 165 && b > 165 && r - g > 100 && b - g > 100;
      const isCyan = (r, g, b) => g > 165 && b > 165 && g - r > 100 && b - r > 100;
      const at = points.map(([x, y]) => {
        const i = (Math.floor(y) * w + Math.floor(x)) * 4;
        const [r, gg, b] = [d[i], d[i + 1], d[i + 2]];
        return { rgb: [r, gg, b], magenta: isMagenta(r, gg, b), cyan: isCyan(r, gg, b) };
      });
      // The accuracy ring's outline (#1971c2): its pixels' median distance from the dot.
      let ringRadius = null;
      if (ring) {
        const ds = [];
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++) {
            const i = (y * w + x) * 4;
            const dist = Math.hypot(x + 0.5 - ring.x, y + 0.5 - ring.y);
            if (dist > 14 && dist < ring.max && d[i] < 80 && d[i + 1] > 90 && d[i + 1] < 140 && d[i + 2] > 170) ds.push(dist);
          }
        ds.sort((a, b) => a - b);
        ringRadius = ds.length ? ds[Math.floor(ds.length / 2)] : null;
      }
      const magenta = extent(isMagenta);
      const cyan = extent(isCyan);
      // A dot drawn over a cross: the centroid of the dark pixels (any kind's colour; not the
      // light tiles, the crosses or the white outline) within 16 px of the cross's centre.
      let disc = null;
      const near = discNear === 'magenta' ? magenta : discNear === 'cyan' ? cyan : null;
      if (near) {
        let sx = 0, sy = 0, n = 0;
        for (let y = Math.floor(near.y - 16); y <= near.y + 16; y++)
          for (let x = Math.floor(near.x - 16); x <= near.x + 16; x++) {
            if (x < 0 || y < 0 || x >= w || y >= h || Math.hypot(x + 0.5 - near.x, y + 0.5 - near.y) > 16) continue;
            const i = (y * w + x) * 4;
            const [r, g, b] = [d[i], d[i + 1], d[i + 2]];
            if (r + g + b < 450 && !isMagenta(r, g, b) && !isCyan(r, g, b)) {
              sx += x + 0.5;
              sy += y + 0.5;
              n++;
            }
          }
        disc = n >= 20 ? { x: sx / n, y: sy / n, n } : null;
      }
      return { magenta, cyan, at, ringRadius, disc };
    },
    { b64: png.toString('base64'), points, ring, box, discNear },
  );
}

const dist = (a, b) => Math.hypot(a.x - b.x, a.y - b.y);
const fmt = (p) => (p ? `(${p.x.toFixed(1)}, ${p.y.toFixed(1)})` : 'none');

/** Opens the control organization through the search box (its panel opens and the map flies there). */
async function openOrg(page) {
  const opener = page.locator('.search-open');
  if (await opener.isVisible()) await opener.click();
  const input = page.locator('#search-input');
  await input.waitFor({ state: 'visible', timeout: 5_000 });
  await input.fill(ORG_NAME);
  const option = page.locator(`.search-option[data-kind="org"][data-id="${ORG_ID}"]`);
  await option.waitFor({ state: 'visible', timeout: 10_000 });
  await option.click();
  await page.waitForFunction((id) => document.querySelector('#detail')?.dataset.orgId === String(id), ORG_ID, { timeout: 15_000 });
}

/** Waits until the screenshot shows both crosses (the tiles are in) and returns it with its analysis. */
async function settledShot(page, scratch, path, points = () => [], discNear = null) {
  let last = null;
  for (let i = 0; i < 20; i++) {
    await page.waitForTimeout(500);
    const png = await page.screenshot({ path });
    last = { png, a: await analyse(page, scratch, png, await points(), null, discNear) };
    if (last.a.magenta && last.a.cyan && last.a.magenta.width >= 20 && last.a.cyan.width >= 20) return last;
  }
  return last;
}

async function chooseBasemap(page, id) {
  const toggle = page.locator('.basemap-toggle');
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  await page.locator(`.basemap-menu input[value="${id}"]`).check();
  await page.waitForFunction((id) => window.__gridgis.basemapId === id, id, { timeout: 5_000 });
  await toggle.click(); // close the menu
}

async function desktop(browser) {
  const page = await newPage(browser, DESKTOP);
  const scratch = await page.context().newPage();
  await check('desktop: the admin signs in; the first basemap (GCJ-02) is drawn and 底图 offers 无底图 and both', async () => {
    await signIn(page, ADMIN);
    const id = await page.evaluate(() => window.__gridgis.basemapId);
    assert(id === 'test-gcj', `basemap ${id}`);
    await page.locator('.basemap-toggle').click();
    const labels = await page.locator('.basemap-option').allTextContents();
    assert(labels.length === 3 && labels[0].includes('无底图') && labels[1].includes('GCJ-02'), `options ${labels.join(' | ')}`);
    await page.screenshot({ path: join(OUT_DIR, 'basemap-menu-desktop.png') });
    await page.locator('.basemap-toggle').click();
    return labels.join(' | ');
  });

  let gcjView = null;
  await check('desktop, GCJ-02 basemap: the organization’s circle lands on the magenta cross (its GCJ-02 position on the tiles), within 2 px', async () => {
    await openOrg(page);
    // Out until both crosses are in view (they are some 600 m apart).
    for (let i = 0; i < 3; i++) {
      await page.waitForTimeout(1200);
      const a = await analyse(page, scratch, await page.screenshot());
      if (a.magenta?.width >= 20 && a.cyan?.width >= 20) break;
      await page.locator('.maplibregl-ctrl-zoom-out').click();
    }
    const org = () => page.evaluate((id) => window.__gridgis.orgPoint(id), ORG_ID);
    const { a } = await settledShot(page, scratch, join(OUT_DIR, 'basemap-gcj-desktop.png'), async () => {
      const p = await org();
      return p ? [[p.x, p.y]] : [];
    }, 'magenta');
    const p = await org();
    assert(a.magenta && a.cyan, `crosses found: magenta ${fmt(a.magenta)}, cyan ${fmt(a.cyan)}`);
    assert(p, 'the organization is not drawn inside the map');
    const apart = dist(a.magenta, a.cyan);
    assert(apart > 60, `the crosses are only ${apart.toFixed(1)} px apart: the test would not see a missing shift`);
    // Measured on the picture: the circle's pixels around the cross, and the cross's centre under them.
    assert(a.disc, `no circle drawn on the magenta cross at ${fmt(a.magenta)} (the app puts it at ${fmt(p)}; cyan, the unshifted position, at ${fmt(a.cyan)})`);
    const off = dist(a.disc, a.magenta);
    assert(off <= 2, `circle drawn at ${fmt(a.disc)}, magenta cross at ${fmt(a.magenta)}: ${off.toFixed(2)} px off`);
    assert(!a.at[0]?.magenta, `the pixel under the circle is still the cross's magenta ${a.at[0]?.rgb}`);
    assert(dist(p, a.disc) <= 2, `the app places the organization at ${fmt(p)}, drawn at ${fmt(a.disc)}`);
    gcjView = { p, apart };
    return `circle drawn at ${fmt(a.disc)} (${a.disc.n} px), cross ${fmt(a.magenta)}: ${off.toFixed(2)} px; crosses ${apart.toFixed(0)} px apart; e2e/out/basemap-gcj-desktop.png`;
  });

  await check('desktop, 导航: Amap gets the GCJ-02 position, geo: the WGS84 one', async () => {
    const amap = new URL(await page.locator('#detail a[data-nav="amap"]').getAttribute('href'));
    const [lng, lat] = amap.searchParams.get('to').split(',').map(Number);
    assert(amap.host === 'uri.amap.com' && amap.pathname === '/navigation', `Amap link ${amap}`);
    assert(Math.abs(lng - GCJ[0]) < 2e-6 && Math.abs(lat - GCJ[1]) < 2e-6, `Amap to=${lng},${lat}, want GCJ-02 ${GCJ}`);
    const geo = await page.locator('#detail a[data-nav="geo"]').getAttribute('href');
    const m = /^geo:([-\d.]+),([-\d.]+)/.exec(geo);
    assert(m && Math.abs(Number(m[2]) - WGS[0]) < 2e-6 && Math.abs(Number(m[1]) - WGS[1]) < 2e-6, `geo link ${geo}, want WGS84 ${WGS}`);
    return `${amap.searchParams.get('to')}; ${geo.split('?')[0]}`;
  });

  await check('desktop, the same tiles declared WGS84: the circle lands on the cyan cross (no shift), and the view follows the data', async () => {
    await chooseBasemap(page, 'test-wgs');
    const org = () => page.evaluate((id) => window.__gridgis.orgPoint(id), ORG_ID);
    const { a } = await settledShot(page, scratch, join(OUT_DIR, 'basemap-wgs-desktop.png'), async () => {
      const p = await org();
      return p ? [[p.x, p.y]] : [];
    }, 'cyan');
    const p = await org();
    assert(a.magenta && a.cyan && p, `crosses ${fmt(a.magenta)} ${fmt(a.cyan)}, circle ${fmt(p)}`);
    assert(a.disc, `no circle drawn on the cyan cross at ${fmt(a.cyan)} (the app puts it at ${fmt(p)})`);
    const off = dist(a.disc, a.cyan);
    assert(off <= 2, `circle drawn at ${fmt(a.disc)}, cyan cross at ${fmt(a.cyan)}: ${off.toFixed(2)} px off`);
    assert(!a.at[0]?.cyan, `the pixel under the circle is still the cross's cyan ${a.at[0]?.rgb}`);
    assert(dist(p, gcjView.p) < 3, `the organization moved on screen from ${fmt(gcjView.p)} to ${fmt(p)}: the view did not follow`);
    return `circle drawn at ${fmt(a.disc)}, cross ${fmt(a.cyan)}: ${off.toFixed(2)} px; e2e/out/basemap-wgs-desktop.png`;
  });

  await check('desktop, 无底图: no tiles drawn', async () => {
    await chooseBasemap(page, 'none');
    await page.waitForTimeout(500);
    const png = await page.screenshot({ path: join(OUT_DIR, 'basemap-none-desktop.png') });
    const a = await analyse(page, scratch, png);
    assert(!a.magenta && !a.cyan, `crosses still drawn: ${fmt(a.magenta)} ${fmt(a.cyan)}`);
    assert((await page.evaluate(() => window.__gridgis.basemap)) === false, 'the hook says a basemap is drawn');
    await chooseBasemap(page, 'test-gcj');
  });

  await check(`desktop, 定位 over GCJ-02: the dot lands on the magenta cross and the ring's radius is ${ACCURACY} m`, async () => {
    await page.locator('.locate-button').click();
    await page.waitForFunction(() => window.__gridgis.located() !== null, null, { timeout: 10_000 });
    await page.waitForTimeout(1200); // the fly to the ring
    const drawn = await page.evaluate(() => window.__gridgis.located());
    const message = await page.locator('.locate-message').textContent();
    assert(message.includes(`精度约 ${ACCURACY} 米`), `message “${message}”`);
    let a = null;
    for (let i = 0; i < 10 && !(a?.magenta?.width >= 20); i++) {
      await page.waitForTimeout(400);
      const png = await page.screenshot({ path: join(OUT_DIR, 'locate-desktop.png') });
      a = await analyse(page, scratch, png, [], { x: drawn.x, y: drawn.y, max: drawn.radiusPx * 1.5 }, 'magenta');
    }
    assert(a.disc, `no dot drawn on the magenta cross at ${fmt(a.magenta)} (the app puts it at ${fmt(drawn)})`);
    const off = dist(a.disc, a.magenta);
    assert(off <= 2, `dot drawn at ${fmt(a.disc)}, magenta cross at ${fmt(a.magenta)}: ${off.toFixed(2)} px off`);
    assert(drawn.radiusPx > 20, `ring of ${drawn.radiusPx} px`);
    assert(a.ringRadius !== null && Math.abs(a.ringRadius - drawn.radiusPx) < 3, `ring outline at ${a.ringRadius} px on screen, ${drawn.radiusPx.toFixed(1)} px expected`);
    return `dot drawn at ${fmt(a.disc)}, ${off.toFixed(2)} px from the cross; ring ${drawn.radiusPx.toFixed(1)} px (outline measured ${a.ringRadius.toFixed(1)}); e2e/out/locate-desktop.png`;
  });
  await check('desktop, 移动位置 over GCJ-02: a click on the map is stored as its WGS84 position', async () => {
    await page.locator('#detail button', { hasText: '移动位置' }).click();
    await page.locator('#edit-banner, .edit-banner').first().waitFor({ state: 'visible', timeout: 5_000 }).catch(() => {});
    // Out until both crosses are in view: they tie screen pixels to known positions.
    let a = null;
    for (let i = 0; i < 4; i++) {
      await page.waitForTimeout(1200);
      a = await analyse(page, scratch, await page.screenshot());
      if (a.magenta?.width >= 20 && a.cyan?.width >= 20) break;
      await page.locator('.maplibregl-ctrl-zoom-out').click();
    }
    assert(a.magenta && a.cyan, `crosses ${fmt(a.magenta)} ${fmt(a.cyan)}`);
    // Degrees of longitude per pixel, from the two crosses (GCJ-02 and WGS84 positions of one point).
    const perPx = (GCJ[0] - WGS[0]) / (a.magenta.x - a.cyan.x);
    // South-west, towards the grids (the zone's boundary refuses a point outside it).
    const dx = -30;
    const dy = 30;
    await page.mouse.click(a.magenta.x + dx, a.magenta.y + dy);
    const confirm = page.locator('[data-action="confirm"]');
    await confirm.waitFor({ state: 'visible', timeout: 5_000 });
    await page.screenshot({ path: join(OUT_DIR, 'basemap-move-desktop.png') });
    await confirm.click();
    await page.waitForFunction(
      (id) => document.querySelector('#detail')?.dataset.orgId === String(id) && document.querySelector('#detail')?.textContent.includes('已移动'),
      ORG_ID,
      { timeout: 15_000 },
    );
    const stored = await page.evaluate(async (id) => (await (await fetch(`/api/v1/organizations/${id}`)).json()).geometry.coordinates, ORG_ID);
    // The click was (dx, dy) px from the GCJ-02 position: the stored point is as far from the WGS84 one
    // (Web Mercator is conformal: a pixel spans cos(lat) times fewer degrees of latitude than of longitude).
    const want = [WGS[0] + dx * perPx, WGS[1] - dy * perPx * Math.cos((WGS[1] * Math.PI) / 180)];
    const metres = Math.hypot((stored[0] - want[0]) * 111320 * Math.cos((WGS[1] * Math.PI) / 180), (stored[1] - want[1]) * 110574);
    assert(metres < 3, `stored ${stored}, want about ${want.map((x) => x.toFixed(6))} (${metres.toFixed(1)} m off; the GCJ-02 position is ${GCJ})`);
    return `stored ${stored.join(',')}, ${metres.toFixed(2)} m from the expected WGS84 point; e2e/out/basemap-move-desktop.png`;
  });
  await page.context().close();
}

async function denied(browser) {
  const page = await newPage(browser, DESKTOP, false);
  await check('desktop, 定位 without permission: says the permission was denied', async () => {
    await signIn(page, ADMIN);
    await page.locator('.locate-button').click();
    await page.locator('.locate-message[data-tone="error"]').waitFor({ timeout: 10_000 });
    const message = await page.locator('.locate-message').textContent();
    assert(message.includes('权限'), `message “${message}”`);
    return message;
  });
  await page.context().close();
}

async function phone(browser) {
  const page = await newPage(browser, PHONE);
  await check('phone: the organization panel offers 导航 as a 44 px button; 定位 and 底图 are 44 px', async () => {
    await signIn(page, ADMIN);
    await openOrg(page);
    const nav = page.locator('#detail a[data-nav="amap"]');
    await nav.scrollIntoViewIfNeeded();
    const box = await nav.boundingBox();
    assert(box && box.height >= 44, `导航 is ${box?.width}×${box?.height}`);
    for (const sel of ['.locate-button', '.basemap-toggle']) {
      const b = await page.locator(sel).boundingBox();
      assert(b && b.height >= 44 && b.width >= 44, `${sel} is ${b?.width}×${b?.height}`);
    }
    await page.waitForTimeout(800);
    await page.screenshot({ path: join(OUT_DIR, 'basemap-phone-panel.png') });
    return 'e2e/out/basemap-phone-panel.png';
  });
  await check('phone: 定位 shows the dot and its ring; the 底图 menu opens', async () => {
    const close = page.locator('#detail-close');
    if (await close.isVisible().catch(() => false)) await close.tap();
    await page.locator('.locate-button').tap();
    await page.waitForFunction(() => window.__gridgis.located() !== null, null, { timeout: 10_000 });
    await page.waitForTimeout(1500);
    await page.screenshot({ path: join(OUT_DIR, 'locate-phone.png') });
    await page.locator('.basemap-toggle').tap();
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(OUT_DIR, 'basemap-menu-phone.png') });
    return 'e2e/out/locate-phone.png, basemap-menu-phone.png';
  });
  await page.context().close();
}

const browser = await launch();
try {
  await runSteps(['desktop', () => desktop(browser)], ['denied', () => denied(browser)], ['phone', () => phone(browser)], [
    'problems',
    () => checkNoProblems('no failed request, page error or console error'),
  ]);
} finally {
  await browser.close();
}
