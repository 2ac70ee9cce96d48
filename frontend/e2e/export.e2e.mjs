// Browser test of 导出 and 打印地图 against a running gridgis server with the
// demo data (e2e/export_test.go starts one):
//
//   GRIDGIS_URL=http://127.0.0.1:18080 E2E_PLANNER_USER=planner E2E_PLANNER_PASSWORD=... \
//   E2E_OFFICER_USER=officer-g01 E2E_OFFICER_PASSWORD=... node e2e/export.e2e.mjs
//
// A planner at desktop size opens the 导出 menu, downloads the register
// (XLSX) and the monthly report, and opens the print preview: title,
// legend, scale bar and north arrow, then the page as printed
// (emulateMedia print). An officer does the same on a phone. Screenshots
// go to e2e/out/export-*.png. Ends with "N passed, M failed" and a
// non-zero exit code on any failure.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OUT_DIR, account, assert, check, checkNoProblems, clickTool, launch, problems, recordFailedResponses, runSteps, signIn } from './harness.mjs';

const PLANNER = account('planner', 'planner');
const OFFICER = account('officer', 'officer-g01');

/** A page that records failed requests and console errors (the 401 of GET /api/v1/me before sign-in is expected). */
async function newPage(browser, viewport) {
  const context = await browser.newContext({ viewport, acceptDownloads: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await context.newPage();
  recordFailedResponses(page);
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/status of 401/.test(msg.text())) problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  return page;
}

/** Opens the 导出 menu, downloads one item, and returns its file name and first bytes. */
async function download(page, id) {
  if (await page.locator('#export-menu').isHidden()) await clickTool(page, 'tool-export');
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.locator(`.export-item[data-export="${id}"]`).click()]);
  const path = await dl.path();
  const bytes = readFileSync(path);
  return { name: dl.suggestedFilename(), bytes };
}

/** Opens the print preview and reads what it shows. */
async function openPrint(page) {
  if (await page.locator('#export-menu').isHidden()) await clickTool(page, 'tool-export');
  await page.locator('.export-item[data-export="print"]').click();
  await page.locator('#print-sheet .print-map-image[src^="data:image/png"]').waitFor({ timeout: 15_000 });
  return page.evaluate(() => {
    const s = document.getElementById('print-sheet');
    const text = (sel) => (s.querySelector(sel)?.textContent ?? '').trim();
    const img = s.querySelector('.print-map-image');
    return {
      title: text('.print-title'),
      subtitle: text('.print-subtitle'),
      legendRows: s.querySelectorAll('.print-legend-row').length,
      legendText: text('.print-legend'),
      scale: text('.print-scale-label'),
      scaleWidth: s.querySelector('.print-scale-bar').getBoundingClientRect().width,
      north: Boolean(s.querySelector('.print-north svg')) && text('.print-north').includes('北'),
      footer: text('.print-footer'),
      image: { w: img.naturalWidth, h: img.naturalHeight },
    };
  });
}

/** A PDF's page count and the size of its first page in millimetres. */
function pdfPages(pdf) {
  const text = pdf.toString('latin1');
  const box = /\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]/.exec(text);
  const mm = (pt) => Math.round((Number(pt) * 25.4) / 72);
  return { pages: (text.match(/\/Type\s*\/Page(?!s)/g) ?? []).length, width: box ? mm(box[1]) : 0, height: box ? mm(box[2]) : 0 };
}

/** In print media: only the page shows, at the paper's size. */
async function printedLayout(page) {
  await page.emulateMedia({ media: 'print' });
  const layout = await page.evaluate(() => ({
    topbar: document.querySelector('.topbar').checkVisibility(),
    toolbar: document.querySelector('.print-toolbar').checkVisibility(),
    map: document.querySelector('.print-map').getBoundingClientRect().width,
    legend: document.querySelector('.print-legend').checkVisibility() && document.querySelector('.print-scale').checkVisibility() &&
      document.querySelector('.print-north').checkVisibility(),
    pageRule: document.adoptedStyleSheets.flatMap((s) => [...s.cssRules].map((r) => r.cssText)).join(' '),
  }));
  return layout;
}

async function run() {
  assert(PLANNER.password && OFFICER.password, 'E2E_PLANNER_PASSWORD and E2E_OFFICER_PASSWORD must be set');
  const browser = await launch();
  try {
    const desk = await newPage(browser, { width: 1366, height: 820 });
    await check('a planner signs in', () => signIn(desk, PLANNER));

    await check('the 导出 menu offers every format in Chinese', async () => {
      await desk.locator('#tool-export').click();
      const labels = await desk.$$eval('#export-menu .export-item-label', (n) => n.map((x) => x.textContent));
      for (const want of ['企业名录（Excel）', '企业名录（CSV）', '企业点位（GeoJSON）', '企业点位（KML）', '诉求台账（Excel）', '工作月报（Excel）', '打印地图']) {
        assert(labels.includes(want), `no ${want} in ${labels.join('、')}`);
      }
      assert((await desk.locator('#export-month').getAttribute('type')) === 'month', 'no month picker');
      // The first item has the focus; arrows move it, Escape closes.
      await desk.keyboard.press('ArrowDown');
      const focused = await desk.evaluate(() => document.activeElement?.dataset.export);
      assert(focused === 'orgs-csv', `ArrowDown focused ${focused}`);
      await desk.screenshot({ path: join(OUT_DIR, 'export-menu-desktop.png') });
      return 'screenshot e2e/out/export-menu-desktop.png';
    });

    await check('the register downloads as an XLSX with a Chinese name', async () => {
      const { name, bytes } = await download(desk, 'orgs-xlsx');
      assert(/^企业名录_\d{4}-\d{2}-\d{2}\.xlsx$/.test(name), `file name ${name}`);
      assert(bytes.subarray(0, 2).toString() === 'PK', 'not a zip (XLSX) file');
      assert(/已下载：企业名录_/.test(await desk.locator('.export-status').textContent()), 'no 已下载 status');
      return `${name}, ${bytes.length} bytes`;
    });

    await check('the monthly report downloads for the picked month', async () => {
      const month = await desk.locator('#export-month').inputValue();
      const { name, bytes } = await download(desk, 'monthly');
      assert(name === `党建网格工作月报_${month}.xlsx`, `file name ${name} for ${month}`);
      assert(bytes.subarray(0, 2).toString() === 'PK', 'not a zip (XLSX) file');
      return name;
    });

    await check('the CSV register has a BOM', async () => {
      const { name, bytes } = await download(desk, 'orgs-csv');
      assert(bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf, 'no BOM');
      assert(bytes.toString('utf8').includes('统一社会信用代码'), 'no Chinese heads');
      return name;
    });

    await check('打印地图 shows the title, legend, scale bar and north arrow', async () => {
      const p = await openPrint(desk);
      assert(p.title === '园区产业网格地图', `title ${p.title}`);
      assert(p.legendRows >= 6 + 3 + 3 && p.legendText.includes('企业') && p.legendText.includes('产业网格'), `legend: ${p.legendText}`);
      assert(/^\d+ (米|公里)$/.test(p.scale) && p.scaleWidth > 10, `scale bar ${p.scale} ${p.scaleWidth}px`);
      assert(p.north, 'no north arrow');
      assert(/^A4 横向 · 比例尺 约 1:[\d,]+$/.test(p.subtitle), `subtitle ${p.subtitle}`);
      assert(/制图日期：\d{4}年\d{1,2}月\d{1,2}日/.test(p.footer) && p.footer.includes('数据来源') && p.footer.includes('WGS84'), `footer ${p.footer}`);
      assert(p.image.w > 100 && p.image.h > 100, `map image ${p.image.w}×${p.image.h}`);
      await desk.screenshot({ path: join(OUT_DIR, 'export-print-preview-desktop.png') });
      return `${p.legendRows} legend rows, scale ${p.scale}`;
    });

    await check('the print layout is the page alone, A4 landscape, then A3', async () => {
      let l = await printedLayout(desk);
      assert(!l.topbar && !l.toolbar, `the app still shows in print: topbar ${l.topbar}, toolbar ${l.toolbar}`);
      assert(l.legend && l.map > 500, `map ${l.map}px; legend, scale and north arrow visible: ${l.legend}`);
      assert(/a4 landscape/i.test(l.pageRule), `@page ${l.pageRule}`);
      await desk.screenshot({ path: join(OUT_DIR, 'export-print-a4.png'), fullPage: true });
      const a4 = pdfPages(await desk.pdf({ preferCSSPageSize: true, printBackground: true }));
      assert(a4.pages === 1 && a4.width === 297 && a4.height === 210, `A4 PDF: ${JSON.stringify(a4)}`);
      await desk.emulateMedia({ media: 'screen' });
      await desk.locator('.print-paper').selectOption('A3');
      l = await printedLayout(desk);
      assert(/a3 landscape/i.test(l.pageRule), `@page ${l.pageRule}`);
      const pdf = await desk.pdf({ preferCSSPageSize: true, printBackground: true });
      writeFileSync(join(OUT_DIR, 'export-print-a3.pdf'), pdf);
      const a3 = pdfPages(pdf);
      assert(a3.pages === 1 && a3.width === 420 && a3.height === 297, `A3 PDF: ${JSON.stringify(a3)}`);
      assert(pdf.subarray(0, 4).toString() === '%PDF', 'no PDF');
      await desk.emulateMedia({ media: 'screen' });
      await desk.locator('.print-close').click();
      assert((await desk.locator('#print-sheet').count()) === 0, 'the preview did not close');
      return `A3 PDF ${pdf.length} bytes; screenshot e2e/out/export-print-a4.png`;
    });

    const phone = await newPage(browser, { width: 390, height: 844 });
    await check('an officer on a phone gets the menu and a print preview of their grid', async () => {
      await signIn(phone, OFFICER);
      await clickTool(phone, 'tool-export');
      const box = await phone.locator('#export-menu').boundingBox();
      assert(box && box.x >= 0 && box.x + box.width <= 390, `the menu leaves the screen: ${JSON.stringify(box)}`);
      await phone.screenshot({ path: join(OUT_DIR, 'export-menu-phone.png') });
      const { name } = await download(phone, 'requests');
      assert(/^诉求台账_\d{4}-\d{2}-\d{2}\.xlsx$/.test(name), `file name ${name}`);
      const p = await openPrint(phone);
      assert(p.title.endsWith('地图') && p.title !== '园区产业网格地图' && p.legendText.includes('（本网格）'), `title ${p.title}`);
      await phone.screenshot({ path: join(OUT_DIR, 'export-print-preview-phone.png'), fullPage: true });
      await phone.emulateMedia({ media: 'print' });
      await phone.screenshot({ path: join(OUT_DIR, 'export-print-phone.png'), fullPage: true });
      return `${p.title}; screenshots e2e/out/export-*-phone.png`;
    });

    await checkNoProblems('no failed request and no console error');
  } finally {
    await browser.close();
  }
}

await runSteps(['setup', run]);
