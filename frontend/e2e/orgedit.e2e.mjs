// Browser end-to-end test of registering, moving, placing and retiring an
// organization as a grid officer, against a running gridgis server with
// the demo data:
//
//   GRIDGIS_URL=http://127.0.0.1:18080 E2E_OFFICER_USER=officer-g01 \
//   E2E_OFFICER_PASSWORD=... [E2E_UNLOCATED_ID=123] node e2e/orgedit.e2e.mjs
//
// The officer clicks 新增企业 and the map inside their grid, is refused an
// industry that belongs to another grid (the server's error shows beside
// the field), registers the organization, drags it to a new spot with
// 移动位置 and confirms, and deregisters it (注销), after which it has left
// the map. With E2E_UNLOCATED_ID it also places that unlocated organization
// from the 待定位 list. Then the same at phone width. Screenshots go to
// e2e/out/. Ends with "N passed, M failed" and a non-zero exit code on any
// failure.
import { join } from 'node:path';
import { OUT_DIR, account, assert, check, clickTool, launch, problems, runSteps, signIn } from './harness.mjs';

const OFFICER = account('officer', 'officer-g01');
const UNLOCATED_ID = Number(process.env.E2E_UNLOCATED_ID ?? 0);
const ADMIN = account('admin');
const DESKTOP = { width: 1366, height: 820 };
const PHONE = { width: 390, height: 844 };

/** Error answers a check provokes on purpose ("STATUS METHOD /path"). */
let allowed = [];
let provokedCount = 0;

function watch(page) {
  page.on('response', (res) => {
    if (res.status() < 400) return;
    const key = `${res.status()} ${res.request().method()} ${new URL(res.url()).pathname}`;
    if (allowed.includes(key) || key === '401 GET /api/v1/me') {
      provokedCount++;
      return;
    }
    problems.push(`HTTP ${key}`);
  });
  page.on('requestfailed', (req) => {
    if (req.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`${req.method()} ${req.url()}: ${req.failure()?.errorText}`);
  });
  page.on('console', (msg) => {
    // Chromium logs each error answer; the provoked ones are counted above.
    if (msg.type() === 'error' && !/^Failed to load resource: the server responded with a status of (401|403)/.test(msg.text())) {
      problems.push(`console: ${msg.text()}`);
    }
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
}

/** A valid unified social credit code (GB 32100) not used by the demo. */
function usccFor(n) {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  const body = `91410400MAE${String(n).padStart(6, '0')}`;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += alphabet.indexOf(body[i]) * weights[i];
  return body + alphabet[(31 - (sum % 31)) % 31];
}

/** GET an organization as the signed-in user. */
function fetchOrg(page, id) {
  return page.evaluate(async (id) => {
    const res = await fetch(`/api/v1/organizations/${id}`);
    return res.ok ? res.json() : { status: res.status };
  }, id);
}

/**
 * The officer's own grid and points of the map inside it, nearest the
 * map's centre first: where its organizations placed by territory (属地)
 * are drawn (one there by industry may stand in another grid).
 */
async function ownGridPoints(page) {
  return page.evaluate(async () => {
    const hook = window.__gridgis;
    const mine = hook.grids.find((g) => g.mine);
    if (!mine) return null;
    const res = await fetch(`/api/v1/organizations?grid=${mine.id}&limit=10000`);
    const fc = await res.json();
    const map = document.getElementById('map').getBoundingClientRect();
    const centre = { x: map.left + map.width / 2, y: map.top + map.height / 2 };
    const points = fc.features
      .filter((f) => f.properties.grid_reason === 'territory')
      .map((f) => hook.orgPoint(f.id))
      .filter((p) => p && p.x > map.left + 50 && p.x < map.right - 50 && p.y > map.top + 80 && p.y < map.bottom - 50)
      .sort((a, b) => Math.hypot(a.x - centre.x, a.y - centre.y) - Math.hypot(b.x - centre.x, b.y - centre.y));
    return { grid: mine.id, points };
  });
}

async function ownGridPoint(page) {
  const own = await ownGridPoints(page);
  return own && own.points.length > 0 ? { grid: own.grid, x: own.points[0].x, y: own.points[0].y } : null;
}

async function detailNotice(page) {
  return ((await page.locator('#detail .detail-notice').first().textContent({ timeout: 15_000 })) ?? '').trim();
}

async function desktop(browser) {
  const context = await browser.newContext({ viewport: DESKTOP, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await context.newPage();
  watch(page);
  let orgId = 0;
  let grid = 0;
  try {
    await check('the officer signs in and sees 新增企业 and 待定位', async () => {
      await signIn(page, OFFICER);
      assert(await page.locator('#tool-add-org').isVisible(), 'no 新增企业 button');
      await page.waitForFunction(() => !document.getElementById('tool-unlocated')?.hidden, null, { timeout: 10_000 });
    });

    await check('新增企业: click the map, a refused industry shows beside its field, then it is registered', async () => {
      grid = (await ownGridPoints(page)).grid;
      const otherIndustry = await page.evaluate(async (mine) => {
        const res = await fetch('/api/v1/grids');
        const fc = await res.json();
        return fc.features.find((g) => g.id !== mine)?.properties.industry ?? '';
      }, grid);
      await page.locator('#tool-add-org').click();
      await page.locator('.edit-banner').waitFor({ state: 'visible', timeout: 5_000 });
      // The form opened beside the map, which is narrower now.
      await page.locator('#detail[data-view="org-new"]').waitFor({ timeout: 5_000 });
      await page.waitForTimeout(500);
      const at = await ownGridPoint(page);
      assert(at, 'no point of the officer’s grid on screen');
      await page.mouse.click(at.x, at.y);
      const where = (await page.locator('.pick-where').textContent()) ?? '';
      assert(where.includes('经度'), `location line: ${where}`);
      // The form checks before sending: a bad credit code is named at once.
      await page.locator('#org-new-name').fill('端到端测试新增企业');
      await page.locator('#org-new-uscc').fill('12345');
      await page.locator('#org-new .submit, #detail .org-form .submit').first().click();
      const usccError = (await page.locator('#org-new-uscc-error').textContent()) ?? '';
      assert(usccError.includes('18 位'), `uscc error: ${usccError}`);
      await page.locator('#org-new-uscc').fill(usccFor(Date.now() % 1_000_000));
      await page.locator('#org-new-employees').fill('12');
      // Another grid's industry: the server refuses it, naming the field.
      if (otherIndustry) {
        allowed = ['403 POST /api/v1/organizations'];
        await page.locator('#org-new-industry').fill(otherIndustry);
        await page.locator('#detail .org-form .submit').click();
        await page.waitForFunction(() => (document.getElementById('org-new-industry-error')?.textContent ?? '') !== '', null, { timeout: 10_000 });
        const err = (await page.locator('#org-new-industry-error').textContent()) ?? '';
        assert(err.includes('其他网格'), `industry error: ${err}`);
        allowed = [];
      }
      await page.locator('#org-new-industry').fill('端到端测试行业');
      await page.screenshot({ path: join(OUT_DIR, 'org-add-form.png') });
      await page.locator('#detail .org-form .submit').click();
      await page.waitForFunction(() => document.getElementById('detail')?.dataset.view === 'org', null, { timeout: 15_000 });
      orgId = Number(await page.locator('#detail').getAttribute('data-org-id'));
      const notice = await detailNotice(page);
      assert(notice.includes('已新增') && notice.includes('属地兜底'), `notice: ${notice}`);
      const org = await fetchOrg(page, orgId);
      assert(org.properties?.grid_id === grid && org.properties.grid_reason === 'territory', `registered: ${JSON.stringify(org.properties)}`);
      assert(await page.evaluate((id) => window.__gridgis.org(id) !== null, orgId), 'not on the map');
      assert(await page.locator('.edit-banner').isHidden(), 'the banner stays');
      await page.screenshot({ path: join(OUT_DIR, 'org-added.png') });
      return `organization #${orgId}; screenshots e2e/out/org-add-form.png, org-added.png`;
    });

    await check('移动位置: drag the marker, confirm, the new grid is shown', async () => {
      assert(orgId, 'nothing registered');
      const before = (await fetchOrg(page, orgId)).geometry.coordinates;
      await page.locator('#detail .org-edit-actions button', { hasText: '移动位置' }).click();
      const marker = page.locator('.edit-marker');
      await marker.waitFor({ state: 'visible', timeout: 5_000 });
      await page.waitForTimeout(1000); // the map eases to the organization
      const box = await marker.boundingBox();
      assert(box, 'no marker');
      const x = box.x + box.width / 2;
      const y = box.y + box.height - 4;
      // To where another organization of the grid stands by territory.
      const own = await ownGridPoints(page);
      const to = own?.points.find((p) => Math.hypot(p.x - x, p.y - y) > 25);
      assert(to, 'no other point of the grid on screen');
      await page.mouse.move(x, y);
      await page.mouse.down();
      await page.mouse.move((x + to.x) / 2, (y + to.y) / 2, { steps: 5 });
      await page.mouse.move(to.x + 4, to.y + 4, { steps: 5 });
      await page.mouse.up();
      await page.locator('.edit-banner[data-tone="confirm"]').waitFor({ timeout: 5_000 });
      await page.screenshot({ path: join(OUT_DIR, 'org-move-confirm.png') });
      await page.locator('.edit-banner button[data-action="confirm"]').click();
      await page.waitForFunction(() => (document.querySelector('#detail .detail-notice')?.textContent ?? '').includes('已移动'), null, { timeout: 15_000 });
      const notice = await detailNotice(page);
      const after = await fetchOrg(page, orgId);
      const moved = after.geometry.coordinates;
      assert(moved[0] !== before[0] || moved[1] !== before[1], `not moved: ${before} → ${moved}`);
      assert(after.properties.grid_id === grid, `moved into grid ${after.properties.grid_id}`);
      assert(after.properties.version === 2, `version ${after.properties.version}`);
      return `${before} → ${moved}; ${notice}; screenshot e2e/out/org-move-confirm.png`;
    });

    await check('编辑信息: change attributes, saved at the next version', async () => {
      assert(orgId, 'nothing registered');
      await page.locator('#detail .org-edit-actions button', { hasText: '编辑信息' }).click();
      await page.locator('#org-edit-employees').waitFor({ timeout: 5_000 });
      await page.locator('#org-edit-employees').fill('15');
      await page.locator('#org-edit-address').fill('高新区端到端路 8 号');
      await page.locator('#detail .org-form .submit').click();
      await page.waitForFunction(() => (document.querySelector('#detail .detail-notice')?.textContent ?? '').includes('已保存'), null, { timeout: 15_000 });
      const org = await fetchOrg(page, orgId);
      assert(org.properties.employees === 15 && org.properties.address === '高新区端到端路 8 号' && org.properties.version === 3, `saved: ${JSON.stringify(org.properties)}`);
    });

    await check('迁出/注销: deregister with a date; it leaves the map, its record stays', async () => {
      assert(orgId, 'nothing registered');
      await page.locator('#detail .org-edit-actions button', { hasText: '迁出' }).click();
      await page.locator('#detail .retire-form').waitFor({ timeout: 5_000 });
      await page.locator('#detail .retire-form label.segment', { hasText: '注销' }).click();
      await page.locator('#org-retire-note').fill('端到端测试：经营期满注销');
      await page.locator('#detail .retire-form .submit', { hasText: '登记' }).click();
      await page.locator('#detail .confirm-box').waitFor({ timeout: 5_000 });
      await page.locator('#detail button[data-action="confirm-retire"]').click();
      await page.waitForFunction(() => document.getElementById('detail')?.dataset.retired === 'deregistered', null, { timeout: 15_000 });
      assert(await page.evaluate((id) => window.__gridgis.org(id) === null, orgId), 'still on the map');
      const org = await fetchOrg(page, orgId);
      assert(org.properties?.status === 'deregistered' && org.properties.retired_at, `retired: ${JSON.stringify(org.properties)}`);
      await page.screenshot({ path: join(OUT_DIR, 'org-retired.png') });
      return 'screenshot e2e/out/org-retired.png';
    });

    if (UNLOCATED_ID) {
      await check('待定位: place an organization registered without coordinates', async () => {
        await page.locator('#tool-unlocated').click();
        const item = page.locator(`.unlocated-item[data-org-id="${UNLOCATED_ID}"]`);
        await item.waitFor({ timeout: 10_000 });
        await page.screenshot({ path: join(OUT_DIR, 'org-unlocated.png') });
        await item.locator('.place-button').click();
        const at = await ownGridPoint(page);
        assert(at, 'no point of the officer’s grid on screen');
        await page.mouse.click(at.x + 6, at.y + 6);
        await page.locator('.edit-banner[data-tone="confirm"]').waitFor({ timeout: 5_000 });
        await page.locator('.edit-banner button[data-action="confirm"]').click();
        await page.waitForFunction((id) => document.getElementById('detail')?.dataset.orgId === String(id), UNLOCATED_ID, { timeout: 15_000 });
        const notice = await detailNotice(page);
        assert(notice.includes('已定位'), `notice: ${notice}`);
        const org = await fetchOrg(page, UNLOCATED_ID);
        assert(org.properties?.located && org.properties.grid_id === grid, `placed: ${JSON.stringify(org.properties)}`);
        return notice;
      });
    }
  } finally {
    await context.close();
  }
}

/** Opens an organization's panel from its popup; tries candidates until one is clickable. */
async function openOrgPanel(page, candidates) {
  for (const id of candidates.slice(0, 10)) {
    const at = await page.evaluate((id) => window.__gridgis.orgPoint(id), id);
    if (!at) continue;
    // A request pin drawn over the dot takes the click (it opens the request).
    const covered = await page.evaluate(([x, y]) => {
      const r = document.getElementById('map').getBoundingClientRect();
      return (window.__gridgis.mapLayer?.('requests', { x: x - r.left, y: y - r.top, r: 4 })?.rendered.length ?? 0) > 0;
    }, [at.x, at.y]);
    if (covered) continue;
    await page.mouse.click(at.x, at.y);
    const action = page.locator('.maplibregl-popup .popup-action[data-action="org"]');
    try {
      await action.waitFor({ timeout: 2_000 });
    } catch {
      await page.keyboard.press('Escape');
      continue;
    }
    const title = (await page.locator('.maplibregl-popup .popup-title').textContent()) ?? '';
    const name = await page.evaluate((id) => window.__gridgis.org(id)?.name, id);
    if (title.trim() !== name) {
      await page.keyboard.press('Escape');
      continue;
    }
    await action.click();
    await page.waitForFunction((id) => document.getElementById('detail')?.dataset.orgId === String(id) && document.getElementById('detail').getAttribute('aria-busy') === 'false', id, { timeout: 10_000 });
    return id;
  }
  throw new Error('no organization could be clicked on the map');
}

async function admin(browser) {
  if (!ADMIN.password) return;
  const context = await browser.newContext({ viewport: DESKTOP, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await context.newPage();
  watch(page);
  try {
    await check('an admin sets a grid by hand (人工调整) and gives it back to the rule', async () => {
      await signIn(page, ADMIN);
      const candidates = await page.evaluate(async () => {
        const fc = await (await fetch('/api/v1/organizations?limit=200')).json();
        return fc.features.filter((f) => f.properties.grid_reason === 'territory').map((f) => f.id);
      });
      const id = await openOrgPanel(page, candidates);
      const before = (await fetchOrg(page, id)).properties;
      const other = await page.evaluate((g) => [...document.querySelectorAll('#org-manual-grid option')].map((o) => o.value).find((v) => v && v !== String(g)), before.grid_id);
      await page.locator('#org-manual-grid').selectOption(other);
      await page.locator('#detail .manual-grid .submit').click();
      await page.waitForFunction(() => (document.querySelector('#detail .detail-notice')?.textContent ?? '').includes('人工调整'), null, { timeout: 10_000 });
      const manual = (await fetchOrg(page, id)).properties;
      assert(manual.grid_reason === 'manual' && String(manual.grid_id) === other, `by hand: ${JSON.stringify(manual)}`);
      await page.screenshot({ path: join(OUT_DIR, 'org-manual-grid.png') });
      await page.locator('#org-manual-grid').selectOption('');
      await page.locator('#detail .manual-grid .submit').click();
      await page.waitForFunction(() => (document.querySelector('#detail .detail-notice')?.textContent ?? '').includes('属地兜底'), null, { timeout: 10_000 });
      const back = (await fetchOrg(page, id)).properties;
      assert(back.grid_id === before.grid_id && back.grid_reason === 'territory', `by the rule: ${JSON.stringify(back)}`);
      return `organization #${id}: grid ${before.grid_id} → ${other} (manual) → ${back.grid_id}; screenshot e2e/out/org-manual-grid.png`;
    });
  } finally {
    await context.close();
  }
}

async function phone(browser) {
  const context = await browser.newContext({ viewport: PHONE, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', hasTouch: true, isMobile: true, deviceScaleFactor: 2 });
  const page = await context.newPage();
  watch(page);
  try {
    await check('phone width: 新增企业 works and nothing overflows', async () => {
      await signIn(page, OFFICER);
      await clickTool(page, 'tool-add-org');
      await page.locator('.edit-banner').waitFor({ state: 'visible', timeout: 5_000 });
      await page.screenshot({ path: join(OUT_DIR, 'org-add-phone-banner.png') });
      await page.waitForTimeout(500);
      const at = await ownGridPoint(page);
      assert(at, 'no point of the officer’s grid on screen');
      await page.mouse.click(at.x, at.y);
      await page.locator('#detail[data-view="org-new"]').waitFor({ timeout: 5_000 });
      await page.waitForTimeout(800); // the map eases the marker above the sheet
      const where = (await page.locator('.pick-where').textContent()) ?? '';
      assert(where.includes('经度'), `location line: ${where}`);
      const marker = await page.locator('.edit-marker').boundingBox();
      const sheet = await page.locator('#detail').boundingBox();
      assert(marker && sheet && marker.y + marker.height <= sheet.y + 2, 'the marker is under the form');
      await page.screenshot({ path: join(OUT_DIR, 'org-add-phone.png') });
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert(width <= PHONE.width, `the page is ${width}px wide`);
      assert(await page.locator('#org-new-name').isVisible(), 'the form is not visible');
      assert(await page.locator('.edit-banner').isHidden(), 'the banner covers the map above the form');
      await page.locator('#detail-close').click();
      assert(await page.evaluate(() => document.querySelector('.edit-marker') === null), 'the marker stays after closing the form');
      return 'screenshots e2e/out/org-add-phone-banner.png, org-add-phone.png';
    });
  } finally {
    await context.close();
  }
}

async function main() {
  assert(OFFICER.password, 'E2E_OFFICER_PASSWORD is not set');
  const browser = await launch();
  try {
    await desktop(browser);
    await phone(browser);
    await admin(browser);
  } finally {
    await browser.close();
  }
  await check('no unexpected failed requests or console errors', async () => {
    assert(problems.length === 0, problems.join('; '));
    return `${provokedCount} expected error answers`;
  });
}

await runSteps(['setup', main]);
