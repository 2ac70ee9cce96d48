// Browser end-to-end test of the search box, against a running gridgis
// server with the demo data:
//
//   GRIDGIS_URL=http://127.0.0.1:18080 E2E_LIAISON_USER=liaison-... E2E_LIAISON_PASSWORD=... \
//   E2E_SEARCH_TEXT=华创新 E2E_SEARCH_ORG_ID=12 E2E_SEARCH_ADDRESS=... \
//   E2E_ADMIN_USER=admin E2E_ADMIN_PASSWORD=... E2E_SEARCH_USCC=9141... node e2e/search.e2e.mjs
//
// A liaison on a phone taps 搜索, types three characters of one of their
// companies' names, taps the result and sees its panel open with the
// address; an admin at desktop size finds an organization by its credit
// code with the keyboard alone (arrow keys, Enter; Esc closes the list).
// Screenshots go to e2e/out/. Ends with "N passed, M failed" and a
// non-zero exit code on any failure.
import { join } from 'node:path';
import { OUT_DIR, account, assert, check, checkNoProblems, launch, problems, recordFailedResponses, runSteps, signIn } from './harness.mjs';

const LIAISON = account('liaison');
const ADMIN = account('admin', 'admin');
const TEXT = process.env.E2E_SEARCH_TEXT ?? '';
const ORG_ID = Number(process.env.E2E_SEARCH_ORG_ID ?? 0);
const ADDRESS = process.env.E2E_SEARCH_ADDRESS ?? '';
const USCC = process.env.E2E_SEARCH_USCC ?? '';
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const DESKTOP = { viewport: { width: 1366, height: 820 } };

async function newPage(browser, options) {
  const page = await (await browser.newContext({ ...options, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })).newPage();
  recordFailedResponses(page);
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  return page;
}

/** Waits for the side panel to show organization id with its address line. */
async function waitForOrgPanel(page, id) {
  await page.waitForFunction(
    (id) => document.querySelector('#detail')?.dataset.orgId === String(id) && document.querySelector('#detail')?.getAttribute('aria-busy') === 'false',
    id,
    { timeout: 15_000 },
  );
  return (await page.locator('#detail .org-address').textContent({ timeout: 5_000 })) ?? '';
}

async function phone(browser) {
  const page = await newPage(browser, PHONE);
  await check('phone: the liaison signs in; the search box is one 44 px tap away', async () => {
    await signIn(page, LIAISON);
    const box = await page.locator('.search-open').boundingBox();
    assert(box && box.width >= 44 && box.height >= 44, `搜索 button is ${box?.width}×${box?.height}`);
    return `${box.width}×${box.height}`;
  });
  await check(`phone: typing 3 characters “${TEXT}” lists the company; tapping it opens its panel with the address`, async () => {
    await page.locator('.search-open').tap();
    const input = page.locator('#search-input');
    await input.waitFor({ state: 'visible', timeout: 5_000 });
    const font = await input.evaluate((e) => getComputedStyle(e).fontSize);
    assert(font === '16px', `input font ${font} (iOS zooms under 16 px)`);
    await input.pressSequentially(TEXT, { delay: 60 });
    const option = page.locator(`.search-option[data-kind="org"][data-id="${ORG_ID}"]`);
    await option.waitFor({ state: 'visible', timeout: 10_000 });
    assert((await input.getAttribute('aria-expanded')) === 'true', 'the combobox does not say it is expanded');
    const h = (await option.boundingBox())?.height ?? 0;
    assert(h >= 44, `the result is ${h} px tall`);
    await page.screenshot({ path: join(OUT_DIR, 'search-phone-results.png') });
    await option.tap();
    const address = await waitForOrgPanel(page, ORG_ID);
    assert(address.includes(ADDRESS), `the panel says “${address}”, not the address ${ADDRESS}`);
    const center = await page.evaluate(() => window.__gridgis.mapCenter?.() ?? null);
    await page.waitForTimeout(900); // the map's flight, for the picture
    await page.screenshot({ path: join(OUT_DIR, 'search-phone-panel.png') });
    return `${address}${center ? `; map at ${center}` : ''}; screenshots e2e/out/search-phone-results.png, search-phone-panel.png`;
  });
  await page.context().close();
}

async function desktop(browser) {
  const page = await newPage(browser, DESKTOP);
  await check('desktop: an admin finds an organization by credit code with the keyboard alone', async () => {
    await signIn(page, ADMIN);
    // Under 1,440 px the bar is full: the box opens from its 搜索 button, by keyboard too.
    const opener = page.locator('.search-open');
    if (await opener.isVisible()) {
      await opener.focus();
      await page.keyboard.press('Enter');
    }
    const input = page.locator('#search-input');
    await input.waitFor({ state: 'visible', timeout: 5_000 });
    await input.focus();
    await page.keyboard.type(USCC.toLowerCase());
    const first = page.locator('.search-option').first();
    await first.waitFor({ state: 'visible', timeout: 10_000 });
    assert((await first.getAttribute('data-id')) !== null, 'no result');
    await page.keyboard.press('ArrowDown');
    const activeId = await input.getAttribute('aria-activedescendant');
    assert(activeId === (await first.getAttribute('id')), `active option ${activeId}`);
    assert((await first.getAttribute('aria-selected')) === 'true', 'the active option is not marked selected');
    const orgId = Number(await first.getAttribute('data-id'));
    await page.screenshot({ path: join(OUT_DIR, 'search-desktop-results.png') });
    await page.keyboard.press('Enter');
    const address = await waitForOrgPanel(page, orgId);
    // The keyboard goes on in the panel that opened, not from the top of the page.
    await page.waitForFunction(() => document.getElementById('detail')?.contains(document.activeElement), null, { timeout: 5_000 }).catch(() => {});
    const focus = await page.evaluate(() => `${document.activeElement?.tagName}#${document.activeElement?.id}`);
    assert(await page.evaluate(() => document.getElementById('detail')?.contains(document.activeElement)), `after choosing, the focus is on ${focus}`);
    return `organization #${orgId}, ${address}; focus on ${focus}; screenshot e2e/out/search-desktop-results.png`;
  });
  await check('desktop: Tab out of the box closes its drop-down', async () => {
    if (await page.locator('.search-open').isVisible()) await page.locator('.search-open').click();
    const input = page.locator('#search-input');
    await input.fill(USCC);
    await page.locator('.search-option').first().waitFor({ state: 'visible', timeout: 10_000 });
    await input.focus();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    const state = await page.evaluate(() => ({ open: document.querySelector('.search')?.classList.contains('open'), focus: document.activeElement?.className }));
    assert(await page.locator('.search-popup').isHidden(), `the list stays open with the focus on ${state.focus}`);
    assert(!state.open, `the box stays open with the focus on ${state.focus}`);
  });
  await check('desktop: Enter right after retyping never opens the previous query\'s result', async () => {
    if (await page.locator('.search-open').isVisible()) await page.locator('.search-open').click();
    const input = page.locator('#search-input');
    await input.fill(USCC);
    await page.locator('.search-option').first().waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill('不存在的企业名称甲乙丙');
    await page.keyboard.press('Enter');
    await page.locator('.search-status').filter({ hasText: '未找到' }).waitFor({ timeout: 10_000 });
    // Choosing a result writes its name into the box: the typed text must still be there.
    const value = await page.locator('#search-input').inputValue();
    assert(value === '不存在的企业名称甲乙丙', `Enter chose a result of the previous query (the box reads "${value}")`);
    return 'Enter searched the new query';
  });
  await check('desktop: Esc closes the list; a query that finds nothing says so', async () => {
    if (await page.locator('.search-open').isVisible()) await page.locator('.search-open').click();
    const input = page.locator('#search-input');
    await input.fill('不存在的企业名称甲乙丙');
    await page.locator('.search-status').filter({ hasText: '未找到' }).waitFor({ timeout: 10_000 });
    await page.keyboard.press('Escape');
    assert(await page.locator('.search-popup').isHidden(), 'the list is still open after Esc');
    if (await page.locator('.search-open').isVisible()) {
      await page.keyboard.press('Escape');
      const state = await page.evaluate(() => `${document.querySelector('.search')?.className}; focus ${document.activeElement?.id || document.activeElement?.className}`);
      assert(await page.locator('#search-input').isHidden(), `the box is still open after a second Esc (${state})`);
      assert(await page.evaluate(() => document.activeElement?.classList.contains('search-open')), 'the focus did not go back to 搜索');
    }
  });
  await page.context().close();
}

async function main() {
  assert(TEXT && ORG_ID > 0 && ADDRESS && USCC, 'E2E_SEARCH_TEXT, E2E_SEARCH_ORG_ID, E2E_SEARCH_ADDRESS and E2E_SEARCH_USCC are required');
  const browser = await launch();
  try {
    await phone(browser);
    await desktop(browser);
    await checkNoProblems('no failed requests or page errors');
  } finally {
    await browser.close();
  }
}

await runSteps(['search', main]);
