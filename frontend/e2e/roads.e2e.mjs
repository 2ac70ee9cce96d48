// Browser end-to-end test of the offline base layer, against a running
// gridgis server with the demo data and no GRIDGIS_BASEMAP:
//
//   GRIDGIS_URL=http://127.0.0.1:18080 E2E_OFFICER_USER=officer-g01 E2E_OFFICER_PASSWORD=... node e2e/roads.e2e.mjs
//
// With no basemap the map still shows the zone's streets: road lines with
// their names along them and place names, drawn from the server's base
// tiles, at desktop (1366×768) and phone (390×844) sizes. Screenshots go
// to e2e/out/streets-desktop.png and e2e/out/streets-phone.png. Ends with
// "N passed, M failed" and a non-zero exit code on any failure.
import { join } from 'node:path';
import { OUT_DIR, account, assert, check, checkNoProblems, launch, problems, recordFailedResponses, runSteps, signIn } from './harness.mjs';

const OFFICER = account('officer', 'officer-g01');

/** Waits until the base layer has drawn roads, road names and places, and returns them. */
async function waitForStreets(page, shot) {
  try {
    await page.waitForFunction(
      () => {
        const b = window.__gridgis.base?.();
        return b && b.roads.length > 0 && b.roadLabels.length > 0 && b.places.length > 0;
      },
      null,
      { timeout: 30_000 },
    );
  } catch (err) {
    await page.screenshot({ path: join(OUT_DIR, shot) });
    const seen = await page.evaluate(() => JSON.stringify(window.__gridgis.base?.() ?? 'no base layer'));
    throw new Error(`${err instanceof Error ? err.message : err}; the base layer draws ${seen}`);
  }
  return page.evaluate(() => window.__gridgis.base());
}

async function size(browser, label, options, shot) {
  const context = await browser.newContext({ ...options, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await context.newPage();
  recordFailedResponses(page);
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  const tiles = [];
  page.on('response', (res) => {
    if (new URL(res.url()).pathname.startsWith('/api/v1/tiles/base/')) tiles.push(res.status());
  });
  await check(`${label}: without a basemap the map shows the zone's streets with their names and place names`, async () => {
    await signIn(page, OFFICER);
    assert(!(await page.evaluate(() => window.__gridgis.basemap)), 'a basemap is shown: this test wants none');
    const base = await waitForStreets(page, shot);
    assert(tiles.length > 0 && tiles.every((s) => s === 200 || s === 204), `base tiles answered ${tiles.join(', ')}`);
    // The demo's east-west roads are the ones addresses name.
    const known = ['高新南路', '火炬路', '创业路', '科技路', '创新大道', '神马大道', '光明东路', '高新北路', '科技大道', '学府路'];
    assert(base.roads.some((r) => known.includes(r)), `roads drawn: ${base.roads.join('、')}`);
    await page.screenshot({ path: join(OUT_DIR, shot) });
    return `roads ${base.roads.length} (${base.roads.slice(0, 6).join('、')}…), road names ${base.roadLabels.length}, places ${base.places.join('、')}; ${tiles.length} tiles; e2e/out/${shot}`;
  });
  await context.close();
}

async function main() {
  const browser = await launch();
  try {
    await size(browser, 'desktop', { viewport: { width: 1366, height: 768 } }, 'streets-desktop.png');
    await size(browser, 'phone', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }, 'streets-phone.png');
    await checkNoProblems('no failed requests or page errors');
  } finally {
    await browser.close();
  }
}

await runSteps(['streets', main]);
