// Browser end-to-end test of the map page against a running gridgis server.
//
//   GRIDGIS_URL=http://127.0.0.1:18080 node e2e/map.e2e.mjs
//
// Drives Debian's Chromium (CHROMIUM_PATH, default /usr/bin/chromium) with
// playwright-core, checks that grids, labels and organizations show up, that
// a popup opens, and that the page made no failed request and logged no
// error. Screenshots go to e2e/out/. Ends with "N passed, M failed" and a
// non-zero exit code on any failure.
import { chromium } from 'playwright-core';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BASE_URL = (process.env.GRIDGIS_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const EXPECTED_GRIDS = Number(process.env.E2E_EXPECT_GRIDS ?? 6);
const LABEL_TO_FIND = process.env.E2E_EXPECT_LABEL ?? '新材料';
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
];

const results = [];
const failedRequests = [];
const consoleErrors = [];
const consoleWarnings = [];

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

function watch(page) {
  page.on('requestfailed', (req) => {
    const reason = req.failure()?.errorText ?? 'unknown';
    // MapLibre cancels basemap tile requests that scroll out of view; a
    // cancelled request is not a failure.
    if (reason === 'net::ERR_ABORTED') return;
    failedRequests.push(`${req.method()} ${req.url()}: ${reason}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) failedRequests.push(`${res.request().method()} ${res.url()}: HTTP ${res.status()}`);
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(`console: ${msg.text()}`);
    // SwiftShader's "GL Driver Message" performance notes are noise.
    if (msg.type() === 'warning' && !msg.text().startsWith('[.WebGL-')) consoleWarnings.push(msg.text());
  });
  page.on('pageerror', (err) => consoleErrors.push(`page error: ${err.message}`));
}

async function run() {
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
    let hook = null;

    await check('page loads and the map becomes ready', async () => {
      const res = await page.goto(`${BASE_URL}/`, { waitUntil: 'load', timeout: 30_000 });
      assert(res && res.ok(), `GET / answered ${res ? res.status() : 'nothing'}`);
      await page.waitForFunction(() => window.__gridgis && (window.__gridgis.ready || window.__gridgis.error), null, {
        timeout: READY_TIMEOUT_MS,
      });
      hook = await page.evaluate(() => {
        const { ready, error, gridCount, orgCount, gridNames, basemap } = window.__gridgis;
        return { ready, error, gridCount, orgCount, gridNames, basemap };
      });
      assert(!hook.error, `the page reports: ${hook.error}`);
      assert(hook.ready, 'not ready');
      return hook.basemap ? 'with basemap' : 'plain background';
    });
    const ready = Boolean(hook?.ready && !hook.error);

    await check(`the zone's ${EXPECTED_GRIDS} grids are loaded`, async () => {
      assert(ready, 'map not ready');
      assert(hook.gridCount === EXPECTED_GRIDS, `expected ${EXPECTED_GRIDS} grids, got ${hook.gridCount}`);
      return hook.gridNames.join('、');
    });

    await check('organizations are loaded and counted in the status line', async () => {
      assert(ready, 'map not ready');
      assert(hook.orgCount > 0, 'no organizations loaded');
      const status = (await page.locator('#status').textContent()) ?? '';
      const want = `${hook.gridCount} 个网格 · ${hook.orgCount} 家组织`;
      assert(status.includes(want), `status line is "${status}", want "${want}"`);
      return status;
    });

    await check(`grid name "${LABEL_TO_FIND}" is visible on the page and drawn on the map`, async () => {
      assert(ready, 'map not ready');
      const name = hook.gridNames.find((n) => n.includes(LABEL_TO_FIND));
      assert(name, `no grid is named like "${LABEL_TO_FIND}" (grids: ${hook.gridNames.join(', ')})`);
      const listed = page.locator('#legend .grid-name', { hasText: name }).first();
      assert(await listed.isVisible(), `"${name}" is not visible in the grid list`);
      const drawn = await page.evaluate(() => window.__gridgis.renderedLabels());
      assert(drawn.includes(name), `map label "${name}" not placed; placed: ${drawn.join(', ') || 'none'}`);
      const missing = hook.gridNames.filter((n) => !drawn.includes(n));
      assert(missing.length === 0, `labels not placed on the map: ${missing.join(', ')}`);
      return `${drawn.length} labels drawn`;
    });

    await check('clicking an organization opens its popup', async () => {
      assert(ready, 'map not ready');
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
      assert(ready, 'map not ready');
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
      assert(ready, 'map not ready');
      const phone = await context.newPage();
      watch(phone);
      try {
        await phone.setViewportSize({ width: 390, height: 800 });
        await phone.goto(`${BASE_URL}/`, { waitUntil: 'load', timeout: 30_000 });
        await phone.waitForFunction(() => window.__gridgis?.ready || window.__gridgis?.error, null, {
          timeout: READY_TIMEOUT_MS,
        });
        const canvas = await phone.locator('#map canvas').boundingBox();
        assert(canvas && canvas.width >= 380, `map canvas is ${canvas?.width}px wide on a 390px screen`);
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

    await check('no failed network requests', async () => {
      assert(failedRequests.length === 0, failedRequests.join('; '));
    });

    await check('no console errors', async () => {
      assert(consoleErrors.length === 0, consoleErrors.join('; '));
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
