// Browser test of 数据导入 · 网格边界 against a running gridgis server with
// the demo data (e2e/gridimport_test.go starts one):
//
//   GRIDGIS_URL=http://127.0.0.1:18080 E2E_ADMIN_USER=admin E2E_ADMIN_PASSWORD=... node e2e/gridimport.e2e.mjs
//
// An admin opens 数据导入, picks 网格边界 and previews the zone's own grids
// as a GeoJSON file: a clean preview enables 确认导入. Then a file where one
// grid is drawn twice: the overlap is listed by feature with its area, and
// 确认导入 stays disabled. On a phone, two grids swapping industries: the
// grid changes are listed, the moves table keeps names on one line. Only
// previews: the demo zone is left as it is.
// Screenshots go to e2e/out/gridimport-*.png. Ends with "N passed, M failed".
import { join } from 'node:path';
import { OUT_DIR, account, assert, check, checkNoProblems, launch, loggedInPage, runSteps } from './harness.mjs';

const ADMIN = account('admin', 'admin');

async function preview(page, name, collection) {
  await page.locator('#grid-import-file').setInputFiles({ name, mimeType: 'application/geo+json', buffer: Buffer.from(JSON.stringify(collection), 'utf-8') });
  await page.locator('.grid-import-preview').click();
  await page.waitForFunction(() => {
    const s = document.querySelector('.grid-import-summary');
    return s && s.textContent && !document.querySelector('.grid-import-preview')?.disabled;
  }, null, { timeout: 60_000 });
  return page.locator('.grid-import-summary').textContent();
}

async function run() {
  const browser = await launch();
  try {
    const page = await loggedInPage(browser, ADMIN);

    // The zone's grids as a clerk's file: code, name, industry per feature.
    const grids = await page.evaluate(async () => {
      const res = await fetch('/api/v1/grids', { credentials: 'same-origin' });
      const fc = await res.json();
      return { type: 'FeatureCollection', features: fc.features.map((f) => ({ type: 'Feature', geometry: f.geometry,
        properties: { 网格编码: f.properties.code, 网格名称: f.properties.name, 主导产业: f.properties.industry } })) };
    });

    await check('an admin opens 数据导入 and picks 网格边界', async () => {
      await page.locator('#tool-import').click();
      await page.locator('#import-tab-grids').click();
      assert(await page.locator('#grid-import-body').isVisible(), 'the 网格边界 panel is hidden');
      assert((await page.locator('#import-title').textContent()).includes('网格边界'), 'the title does not say 网格边界');
      assert(await page.locator('.grid-import-commit').isDisabled(), '确认导入 is enabled before a preview');
    });

    await check('the zone\'s own grids preview clean and enable 确认导入', async () => {
      const summary = await preview(page, '网格.geojson', grids);
      assert(summary.includes('预览') && summary.includes('未变'), `summary ${summary}`);
      assert(await page.locator('.grid-import-commit').isEnabled(), '确认导入 stays disabled');
      await page.screenshot({ path: join(OUT_DIR, 'gridimport-preview.png'), fullPage: true });
      return `${grids.features.length} grids`;
    });

    await check('a grid drawn twice: the overlap by feature with its area, 确认导入 disabled', async () => {
      const twice = structuredClone(grids);
      twice.features.push({ ...structuredClone(grids.features[0]), properties: { ...grids.features[0].properties, 网格编码: 'DUP1' } });
      const summary = await preview(page, '网格-重叠.geojson', twice);
      assert(summary.includes('未写入'), `summary ${summary}`);
      const rows = await page.locator('.grid-import-problems tr').allTextContents();
      assert(rows.some((r) => r.startsWith('第 1 个要素') && r.includes('重叠') && r.includes('平方米')), `problems ${rows.join(' | ')}`);
      assert(await page.locator('.grid-import-commit').isDisabled(), '确认导入 is enabled with problems');
      await page.screenshot({ path: join(OUT_DIR, 'gridimport-problems.png'), fullPage: true });
    });

    await check('on a phone, two grids swapping industries: each grid\'s change listed, company names not squeezed', async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      const swapped = structuredClone(grids);
      const [a, b] = swapped.features;
      [a.properties.主导产业, b.properties.主导产业] = [b.properties.主导产业, a.properties.主导产业];
      delete swapped.features[2].properties.网格名称; // no name: kept, not listed as a change
      const summary = await preview(page, '网格-对调.geojson', swapped);
      assert(summary.includes('改变网格'), `summary ${summary}`);
      const changes = await page.locator('.grid-import-changes tr').allTextContents();
      assert(changes.length === 3 && changes.slice(1).every((r) => r.includes('行业') && !r.includes('名称')), `changes ${changes.join(' | ')}`);
      const names = await page.$$eval('.grid-import-moves td:first-child', (tds) => tds.map((td) => [td.textContent, td.getBoundingClientRect().height]));
      assert(names.length > 0, 'no moves listed');
      const squeezed = names.filter(([, h]) => h > 30);
      assert(squeezed.length === 0, `names wrapped onto several lines: ${squeezed.slice(0, 3).map(([n, h]) => `${n} ${h}px`).join(', ')}`);
      await page.screenshot({ path: join(OUT_DIR, 'gridimport-phone.png'), fullPage: true });
      await page.setViewportSize({ width: 1366, height: 768 });
      return `${names.length} moves`;
    });

    await checkNoProblems('no failed request and no page error');
  } finally {
    await browser.close();
  }
}

await runSteps(['setup', run]);
