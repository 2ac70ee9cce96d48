// Browser test of 数据导入 · 网格边界 against a running gridgis server with
// the demo data (e2e/gridimport_test.go starts one):
//
//   GRIDGIS_URL=http://127.0.0.1:18080 E2E_ADMIN_USER=admin E2E_ADMIN_PASSWORD=... node e2e/gridimport.e2e.mjs
//
// An admin opens 数据导入, picks 网格边界 and previews the zone's own grids
// as a GeoJSON file: a clean preview enables 确认导入. Then a file where one
// grid is drawn twice: the overlap is listed by feature with its area, and
// 确认导入 stays disabled. Only previews: the demo zone is left as it is.
// Screenshots go to e2e/out/gridimport-*.png. Ends with "N passed, M failed".
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BASE_URL = (process.env.GRIDGIS_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ADMIN = { username: process.env.E2E_ADMIN_USER ?? 'admin', password: process.env.E2E_ADMIN_PASSWORD ?? '' };
const OUT_DIR = fileURLToPath(new URL('./out/', import.meta.url));
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--password-store=basic'];

const results = [];
const problems = [];

async function check(name, fn) {
  try {
    const note = await fn();
    results.push(true);
    console.log(`ok   ${name}${note ? ` (${note})` : ''}`);
  } catch (err) {
    results.push(false);
    console.log(`FAIL ${name}: ${err instanceof Error ? err.message : err}`);
  }
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

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
  mkdirSync(OUT_DIR, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'zh-CN' });
    const page = await context.newPage();
    page.on('response', (res) => {
      const path = new URL(res.url()).pathname;
      if (res.status() >= 400 && !(res.status() === 401 && path === '/api/v1/me')) problems.push(`${res.request().method()} ${path}: HTTP ${res.status()}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    await page.goto(`${BASE_URL}/`, { waitUntil: 'load', timeout: 30_000 });
    await page.waitForFunction(() => window.__gridgis?.view === 'login', null, { timeout: 15_000 });
    await page.locator('#login-username').fill(ADMIN.username);
    await page.locator('#login-password').fill(ADMIN.password);
    await page.locator('#login-submit').click();
    await page.waitForFunction(() => window.__gridgis && (window.__gridgis.ready || window.__gridgis.error), null, { timeout: 60_000 });

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

    await check('no failed request and no page error', async () => {
      assert(problems.length === 0, problems.join('; '));
    });
  } finally {
    await browser.close();
  }
}

try {
  await run();
} catch (err) {
  results.push(false);
  console.log(`FAIL setup: ${err instanceof Error ? err.message : err}`);
}
const failed = results.filter((ok) => !ok).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
