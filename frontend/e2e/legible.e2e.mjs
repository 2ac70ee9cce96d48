// Browser end-to-end test of the legible map (issue 13 point 6), against a
// running gridgis server with the demo data:
//
//   GRIDGIS_URL=http://127.0.0.1:18080 E2E_ADMIN_USER=admin E2E_ADMIN_PASSWORD=... node e2e/legible.e2e.mjs
//
// An admin at 1366×768 finds MapLibre's labels in Chinese; sees requests
// drawn as pins (a symbol layer) apart from the organization circles;
// Tabs into 本视图中的诉求与组织 and opens an organization's panel and a
// request's with the keyboard alone, the focus ring visible on every stop;
// the statistics table marks its worst cells in words. Screenshots of the
// map at 1366×768 and 390×844 go to e2e/out/legible-*.png. Ends with
// "N passed, M failed" and a non-zero exit code on any failure.
import { join } from 'node:path';
import { OUT_DIR, account, assert, check, checkNoProblems, launch, problems, recordFailedResponses, runSteps, signIn } from './harness.mjs';

const ADMIN = account('admin', 'admin');
const DESKTOP = { viewport: { width: 1366, height: 768 } };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const CJK = /[\u4e00-\u9fff]/;

async function newPage(browser, options) {
  const page = await (await browser.newContext({ ...options, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })).newPage();
  recordFailedResponses(page);
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    // The 401 of GET /api/v1/me before sign-in is expected (harness.mjs).
    if (msg.type() === 'error' && !msg.text().includes('401')) problems.push(`console: ${msg.text()}`);
  });
  return page;
}

/** What has the focus: its tag, classes, and the ring the page draws around it. */
function focused(page) {
  return page.evaluate(() => {
    const a = document.activeElement;
    if (!a || a === document.body) return null;
    const s = getComputedStyle(a);
    return {
      tag: a.tagName.toLowerCase(),
      cls: typeof a.className === 'string' ? a.className : '',
      id: a.id,
      type: a.dataset?.type ?? '',
      itemId: a.dataset?.id ?? '',
      text: (a.textContent ?? a.getAttribute('aria-label') ?? '').trim().slice(0, 24),
      outline: `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`,
      ring: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 3,
      inDetail: Boolean(document.querySelector('#detail')?.contains(a)),
      inPopup: Boolean(a.closest('.maplibregl-popup')),
    };
  });
}

/** Presses Tab until the focus is on a list item of 本视图中的诉求与组织; returns how many presses and every stop passed. */
async function tabToFeatureList(page) {
  await page.evaluate(() => (document.activeElement instanceof HTMLElement ? document.activeElement.blur() : undefined));
  const stops = [];
  for (let n = 1; n <= 80; n++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    if (f) stops.push(f);
    if (f?.cls.includes('feature-item')) return { presses: n, stops };
  }
  throw new Error(`80 Tabs never reached the list; stops: ${stops.map((s) => s.id || s.cls || s.tag).join(' → ')}`);
}

async function desktop(browser) {
  const page = await newPage(browser, DESKTOP);
  await check('desktop: the admin signs in; the map canvas and every map control are labelled in Chinese', async () => {
    await signIn(page, ADMIN);
    const labels = await page.evaluate(() => ({
      canvas: document.querySelector('.maplibregl-canvas')?.getAttribute('aria-label') ?? null,
      controls: [...document.querySelectorAll('.maplibregl-ctrl button, .maplibregl-ctrl [aria-label], .maplibregl-ctrl [title]')].map(
        (b) => b.getAttribute('aria-label') ?? b.getAttribute('title') ?? '',
      ),
      scale: document.querySelector('.maplibregl-ctrl-scale')?.textContent ?? '',
    }));
    assert(labels.canvas === '地图', `the canvas is labelled ${JSON.stringify(labels.canvas)}`);
    const english = labels.controls.filter((l) => !CJK.test(l));
    assert(labels.controls.length >= 3 && english.length === 0, `controls labelled ${JSON.stringify(labels.controls)}`);
    assert(CJK.test(labels.scale), `the scale reads ${labels.scale}`);
    return `canvas “${labels.canvas}”; controls ${labels.controls.join('、')}; scale ${labels.scale}`;
  });

  await check('desktop: requests are drawn as pins (a symbol layer with an image per SLA state), organizations as circles', async () => {
    await page.waitForFunction(() => (window.__gridgis.mapLayer?.('request-pins')?.rendered.length ?? 0) > 0, null, { timeout: 15_000 });
    const [pins, orgs] = await page.evaluate(() => [window.__gridgis.mapLayer('request-pins'), window.__gridgis.mapLayer('organizations')]);
    assert(pins.type === 'symbol', `the request layer is a ${pins.type} layer`);
    assert(orgs.type === 'circle', `the organization layer is a ${orgs.type} layer`);
    const icon = JSON.stringify(pins.icon);
    for (const sla of ['red', 'yellow', 'green']) assert(icon.includes(`request-pin-${sla}`), `no pin image for ${sla}: ${icon}`);
    assert(orgs.rendered.length > 0, 'no organization drawn');
    // The pin's colour is on screen above its organization's point.
    const id = pins.rendered[0];
    const at = await page.evaluate((id) => window.__gridgis.requestScreenPoint(id), id);
    assert(at, `request #${id} has no point on screen`);
    await page.screenshot({ path: join(OUT_DIR, 'legible-pin-zoom.png'), clip: { x: at.x - 30, y: at.y - 30, width: 60, height: 60 } });
    return `${pins.rendered.length} pins, ${orgs.rendered.length} circles drawn; icon ${icon}`;
  });

  await check('desktop: map screenshot at 1366×768', async () => {
    await page.waitForTimeout(400);
    await page.screenshot({ path: join(OUT_DIR, 'legible-desktop.png') });
    return 'e2e/out/legible-desktop.png';
  });

  let orgId = 0;
  await check('desktop: Tab reaches 本视图中的诉求与组织 with a 3 px focus ring on every stop on the way', async () => {
    const { presses, stops } = await tabToFeatureList(page);
    const faint = stops.filter((s) => !s.ring);
    assert(faint.length === 0, `no visible ring on ${faint.map((s) => `${s.id || s.cls || s.tag} (${s.outline})`).join(', ')}`);
    return `${presses} Tabs; stops ${stops.map((s) => s.id || s.cls.split(' ')[0] || s.tag).join(' → ')}`;
  });

  await check('desktop: End, then Enter on an organization shows its popup with the focus on its first action; Enter opens its panel with the focus in it', async () => {
    await page.keyboard.press('End');
    const item = await focused(page);
    assert(item?.type === 'org', `the last item is ${JSON.stringify(item)}`);
    orgId = Number(item.itemId);
    await page.keyboard.press('Enter');
    await page.locator('.maplibregl-popup').waitFor({ timeout: 5_000 });
    const inPopup = await focused(page);
    assert(inPopup?.inPopup, `the focus is on ${JSON.stringify(inPopup)}, not in the popup`);
    await page.screenshot({ path: join(OUT_DIR, 'legible-keyboard-popup.png') });
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      (id) => document.querySelector('#detail')?.dataset.orgId === String(id) && !document.querySelector('#detail').hidden,
      orgId,
      { timeout: 10_000 },
    );
    await page.waitForTimeout(200);
    const inPanel = await focused(page);
    assert(inPanel?.inDetail, `the focus is on ${JSON.stringify(inPanel)}, not in the panel`);
    assert(inPanel.ring, `the panel's focus has no visible ring (${inPanel.outline})`);
    await page.waitForTimeout(700); // the map's flight, for the picture
    await page.screenshot({ path: join(OUT_DIR, 'legible-keyboard-org.png') });
    return `organization #${orgId}: popup focus “${inPopup.text}”, panel focus ${inPanel.id || inPanel.tag}; screenshot e2e/out/legible-keyboard-org.png`;
  });

  await check('desktop: Escape closes the panel and the focus goes back to the list', async () => {
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => document.querySelector('#detail')?.hidden, null, { timeout: 5_000 });
    await page.waitForTimeout(200);
    const f = await focused(page);
    assert(f?.cls.includes('feature-item'), `the focus is on ${JSON.stringify(f)}`);
    return `back on ${f.type} #${f.itemId}`;
  });

  await check('desktop: Home, then Enter on a request opens its panel (as a click on its pin does), the focus in it', async () => {
    const f0 = await focused(page);
    assert(f0?.cls.includes('feature-item'), `the focus is on ${JSON.stringify(f0)}`);
    await page.keyboard.press('Home');
    const item = await focused(page);
    assert(item?.type === 'request', `the first item is ${JSON.stringify(item)}`);
    await page.keyboard.press('Enter');
    await page.waitForFunction((id) => window.__gridgis.detail?.id === id, Number(item.itemId), { timeout: 10_000 });
    const inPanel = await focused(page);
    assert(inPanel?.inDetail, `the focus is on ${JSON.stringify(inPanel)}, not in the panel`);
    return `request #${item.itemId}`;
  });

  await check('desktop: the statistics table marks its worst cells with a word; sort arrows are hidden from screen readers', async () => {
    await page.keyboard.press('Escape');
    await page.locator('#tool-stats').click();
    await page.locator('.stats-table tbody td').first().waitFor({ timeout: 15_000 });
    const t = await page.evaluate(() => {
      const worst = [...document.querySelectorAll('.stats-table td.worst')];
      return {
        worst: worst.length,
        words: worst.map((td) => getComputedStyle(td, '::after').content),
        arrows: [...document.querySelectorAll('.stats-table .sort-arrow')].map((a) => a.getAttribute('aria-hidden')),
      };
    });
    assert(t.worst > 0, 'no worst cell in the demo statistics');
    assert(t.words.every((w) => /最低|最高/.test(w)), `worst cells read ${t.words.join(', ')}`);
    assert(t.arrows.length > 0 && t.arrows.every((a) => a === 'true'), `sort arrows aria-hidden: ${t.arrows.join(',')}`);
    await page.screenshot({ path: join(OUT_DIR, 'legible-stats.png') });
    return `${t.worst} worst cells (${[...new Set(t.words)].join('、')}); ${t.arrows.length} arrows hidden; screenshot e2e/out/legible-stats.png`;
  });
  await page.context().close();
}

async function phone(browser) {
  const page = await newPage(browser, PHONE);
  await check('phone: map screenshot at 390×844; pins drawn', async () => {
    await signIn(page, ADMIN);
    await page.waitForFunction(() => (window.__gridgis.mapLayer?.('request-pins')?.rendered.length ?? 0) > 0, null, { timeout: 15_000 });
    await page.waitForTimeout(400);
    await page.screenshot({ path: join(OUT_DIR, 'legible-phone.png') });
    return 'e2e/out/legible-phone.png';
  });
  await page.context().close();
}

async function main() {
  const browser = await launch();
  try {
    await desktop(browser);
    await phone(browser);
    await checkNoProblems('no failed requests, console errors or page errors');
  } finally {
    await browser.close();
  }
}

await runSteps(['legible', main]);
