// Screenshots of every view each role reaches, at desktop (1366×768) and
// phone (390×844) sizes, for the README (e2e/screens_test.go starts the
// server and passes the folder):
//
//   GRIDGIS_URL=http://127.0.0.1:18080 SCREENS_DIR=../docs/screenshots \
//   E2E_ADMIN_USER=admin E2E_ADMIN_PASSWORD=... E2E_PLANNER_USER=planner E2E_PLANNER_PASSWORD=... \
//   E2E_OFFICER_USER=officer-g01 E2E_OFFICER_PASSWORD=... E2E_LIAISON_USER=liaison-... E2E_LIAISON_PASSWORD=... \
//   node e2e/screens.e2e.mjs
//
// Each role signs in and walks its views: the map, 待办, 消息, a request (with its
// stepper), search results, an organization's panel (and its edit form for
// those who may edit), 覆盖率, 统计, 包联优化 (a plan and its confirmation for
// the admin, the plan list for the planner), 数据导入, the 导出 menu and the
// print preview. A view that cannot be reached (a control missing or never
// shown) fails its check: no picture is skipped silently. Pictures are JPEG
// (quality 70) named <role>-<view>-<desktop|phone>.jpg, and login-<size>.jpg.
// Ends with "N passed, M failed" and a non-zero exit code on any failure.
import { mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BASE_URL, account, assert, check, checkNoProblems, clickTool, launch, problems, recordFailedResponses, runSteps, signIn } from './harness.mjs';

const DIR = resolve(process.env.SCREENS_DIR ?? '');
const QUALITY = 70;
const SIZES = {
  desktop: { viewport: { width: 1366, height: 768 } },
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
};

/** The views each role reaches, in the order they are taken. */
const ROLES = [
  { role: 'admin', views: ['map', 'todo', 'messages', 'request', 'search', 'org', 'orgedit', 'coverage', 'stats', 'rebalance', 'rebalance-confirm', 'import', 'export', 'print'] },
  { role: 'planner', views: ['map', 'todo', 'messages', 'request', 'search', 'org', 'coverage', 'stats', 'rebalance', 'export', 'print'] },
  { role: 'officer', views: ['map', 'todo', 'messages', 'request', 'search', 'org', 'orgedit', 'coverage', 'stats', 'export', 'print'] },
  { role: 'liaison', views: ['map', 'todo', 'messages', 'request', 'search', 'org', 'coverage', 'export', 'print'] },
];

const written = [];

async function shoot(page, name) {
  await page.waitForTimeout(400); // transitions (sheets slide in over 0.2 s)
  const path = join(DIR, `${name}.jpg`);
  await page.screenshot({ path, type: 'jpeg', quality: QUALITY });
  written.push(path);
  return `${name}.jpg, ${Math.round(statSync(path).size / 1024)} KB`;
}

async function newPage(browser, size) {
  const context = await browser.newContext({ ...SIZES[size], locale: 'zh-CN', timezoneId: 'Asia/Shanghai', acceptDownloads: true });
  const page = await context.newPage();
  recordFailedResponses(page);
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  return page;
}

/** Waits until the map has settled after a flight or a resize. */
async function settle(page) {
  await page.waitForFunction(() => window.__gridgis?.ready, null, { timeout: 30_000 });
  await page.waitForTimeout(900);
}

/** Clicks a control; on a phone, opens the side sheet first when the control sits in it (slid out of view). */
async function tap(page, selector) {
  if (selector.startsWith('#tool-')) return clickTool(page, selector.slice(1)); // in the bar or its 更多 menu
  const target = page.locator(selector).first();
  const inSheet = await page.evaluate((sel) => Boolean(document.querySelector(sel)?.closest('#panel')), selector);
  if (inSheet || !(await target.isVisible())) {
    const toggle = page.locator('#panel-toggle');
    if ((await toggle.isVisible()) && (await page.locator('#panel.open').count()) === 0) {
      await toggle.click();
      await page.waitForTimeout(300); // the sheet slides in
    }
  }
  await target.waitFor({ state: 'visible', timeout: 10_000 });
  await target.click();
}

async function closeDetail(page) {
  if (await page.locator('#detail-close').isVisible()) await page.locator('#detail-close').click();
  await page.locator('#detail').waitFor({ state: 'hidden', timeout: 5_000 });
}

/** Closes the side sheet on a phone. */
async function closeSheet(page) {
  if ((await page.locator('#panel.open').count()) > 0 && (await page.locator('#panel-toggle').isVisible())) await page.locator('#panel-toggle').click();
}

async function waitDetail(page, attr, id) {
  await page.waitForFunction(
    ([attr, id]) => {
      const d = document.getElementById('detail');
      return d && !d.hidden && d.dataset[attr] === String(id) && d.getAttribute('aria-busy') === 'false';
    },
    [attr, id],
    { timeout: 15_000 },
  );
}

/** Three characters from inside the name of an organization the user sees, and its id. */
async function searchTarget(page) {
  const target = await page.evaluate(async () => {
    const res = await fetch('/api/v1/organizations?limit=200', { credentials: 'same-origin' });
    const fc = await res.json();
    const names = fc.features.map((f) => f.properties.name);
    const located = fc.features.filter((f) => f.geometry && Array.from(f.properties.name).length >= 6);
    // Three characters from inside a name that a few others share (a fuller list, all of it
    // within the 5 results shown), else that only this name has.
    let only = null;
    for (const f of located) {
      const r = Array.from(f.properties.name);
      for (let i = 2; i + 3 <= r.length - 4; i++) {
        const q = r.slice(i, i + 3).join('');
        const n = names.filter((x) => x.includes(q)).length;
        if (n >= 2 && n <= 4) return { id: f.id, q };
        if (n === 1 && !only) only = { id: f.id, q };
      }
    }
    return only;
  });
  assert(target, 'no organization to search for');
  return target;
}

/** The steps that reach each view and leave it again; each throws when a control is missing. */
const VIEWS = {
  async map(page) {
    await settle(page);
  },
  async todo(page) {
    await tap(page, '#tab-todo');
    await page.locator('#todo .todo-item').first().waitFor({ state: 'visible', timeout: 10_000 });
  },
  async messages(page) {
    await tap(page, '#tool-messages');
    await page.locator('#messages').waitFor({ state: 'visible', timeout: 5_000 });
  },
  async request(page) {
    await VIEWS.todo(page); // on a phone the list is in the sheet, closed again after 待办
    const item = page.locator('#todo .todo-item').first();
    const id = await item.getAttribute('data-request-id');
    await item.click();
    await waitDetail(page, 'requestId', id);
    await page.locator('#detail .step.current').waitFor({ state: 'visible', timeout: 5_000 });
    await page.waitForTimeout(600); // the flight
  },
  async search(page, ctx) {
    ctx.target = await searchTarget(page);
    const opener = page.locator('.search-open');
    if (await opener.isVisible()) await opener.click();
    const input = page.locator('#search-input');
    await input.waitFor({ state: 'visible', timeout: 5_000 });
    await input.fill(ctx.target.q);
    await page.locator(`.search-option[data-kind="org"][data-id="${ctx.target.id}"]`).waitFor({ state: 'visible', timeout: 10_000 });
  },
  async org(page, ctx) {
    if (!ctx.target) await VIEWS.search(page, ctx);
    await page.locator(`.search-option[data-kind="org"][data-id="${ctx.target.id}"]`).click();
    await waitDetail(page, 'orgId', ctx.target.id);
    await settle(page);
  },
  async orgedit(page) {
    await page.locator('#detail .org-edit-actions button', { hasText: '编辑信息' }).click();
    await page.locator('#org-edit-employees').waitFor({ state: 'visible', timeout: 5_000 });
    // The form opens below the facts: show it from its top.
    await page.locator('#org-edit-employees').evaluate((e) => e.closest('form')?.scrollIntoView({ block: 'start' }));
  },
  async coverage(page) {
    await tap(page, '#tool-coverage');
    await page.locator('#coverage .coverage-table').waitFor({ state: 'visible', timeout: 15_000 });
    await page.waitForFunction(() => document.getElementById('coverage').getAttribute('aria-busy') === 'false', null, { timeout: 15_000 });
  },
  async stats(page) {
    await tap(page, '#tool-stats');
    await page.locator('#stats .stats-table').waitFor({ state: 'visible', timeout: 15_000 });
    await page.waitForFunction(() => window.__gridgis.stats !== null && document.getElementById('stats').getAttribute('aria-busy') === 'false', null, { timeout: 15_000 });
  },
  async rebalance(page, ctx) {
    await tap(page, '#tool-rebalance');
    await page.waitForFunction(() => document.getElementById('detail').dataset.view === 'rebalance', null, { timeout: 10_000 });
    if (ctx.role !== 'admin') {
      await page.locator('#detail .rb-history-item').first().waitFor({ state: 'visible', timeout: 15_000 });
      return;
    }
    const answered = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/rebalance/plans');
    await page.locator('#rb-build').click();
    const res = await answered;
    assert(res.status() === 201, `POST /api/v1/rebalance/plans answered ${res.status()}`);
    const plan = await res.json();
    await page.waitForFunction((id) => window.__gridgis.plan?.id === id && document.getElementById('detail').getAttribute('aria-busy') === 'false', plan.id, { timeout: 60_000 });
    // The plan, below the form: from what it trades.
    await page.locator('#rb-tradeoffs').evaluate((e) => e.closest('section')?.scrollIntoView({ block: 'start' }));
  },
  async 'rebalance-confirm'(page) {
    await page.locator('#rb-apply').click();
    await page.locator('#rb-confirm').waitFor({ state: 'visible', timeout: 5_000 });
    await page.locator('#rb-confirm-text').scrollIntoViewIfNeeded();
  },
  async import(page) {
    await tap(page, '#tool-import');
    await page.locator('#import-dialog').waitFor({ state: 'visible', timeout: 5_000 });
  },
  async export(page) {
    await tap(page, '#tool-export');
    await page.locator('#export-menu .export-item').first().waitFor({ state: 'visible', timeout: 5_000 });
  },
  async print(page) {
    if (await page.locator('#export-menu').isHidden()) await tap(page, '#tool-export');
    await page.locator('.export-item[data-export="print"]').click();
    await page.locator('#print-sheet .print-map-image[src^="data:image/png"]').waitFor({ timeout: 20_000 });
  },
};

/** Puts the page back on the plain map after a view. */
const LEAVE = {
  async todo(page) {
    await tap(page, '#tab-legend');
    await closeSheet(page);
  },
  request: async (page) => {
    await closeDetail(page);
    await LEAVE.todo(page);
  },
  async messages(page) {
    await page.locator('#messages-close').click();
    await page.locator('#messages').waitFor({ state: 'hidden', timeout: 5_000 });
  },
  async search(page) {
    // Left open on purpose: the next view (org) chooses the result.
  },
  async org(page, ctx) {
    if (!ctx.views.includes('orgedit')) await closeDetail(page);
  },
  orgedit: closeDetail,
  async coverage(page) {
    await page.locator('#coverage-close').click();
    await closeSheet(page);
  },
  async stats(page) {
    await page.locator('#stats-close').click();
    await closeSheet(page);
  },
  async rebalance(page, ctx) {
    if (ctx.role !== 'admin') await closeDetail(page);
  },
  async 'rebalance-confirm'(page) {
    await page.locator('.rb-apply button.cancel').click();
    await closeDetail(page);
    await closeSheet(page);
  },
  async import(page) {
    await page.locator('.import-close').click();
    await page.locator('#import-dialog').waitFor({ state: 'hidden', timeout: 5_000 });
  },
  async export(page, ctx) {
    // Left open when the print preview comes next.
    if (!ctx.views.includes('print')) await page.keyboard.press('Escape');
  },
  async print(page) {
    await page.locator('.print-close').click();
    await page.locator('#print-sheet').waitFor({ state: 'detached', timeout: 5_000 });
    await closeSheet(page);
  },
};

async function login(browser, size) {
  const page = await newPage(browser, size);
  await check(`${size}: login`, async () => {
    await page.goto(`${BASE_URL}/`, { waitUntil: 'load', timeout: 30_000 });
    await page.waitForFunction(() => window.__gridgis?.view === 'login', null, { timeout: 15_000 });
    await page.locator('#login-form').waitFor({ state: 'visible' });
    return shoot(page, `login-${size}`);
  });
  await page.context().close();
}

async function walk(browser, { role, views }, size) {
  const who = account(role);
  assert(who.username && who.password, `E2E_${role.toUpperCase()}_USER and E2E_${role.toUpperCase()}_PASSWORD are required`);
  const page = await newPage(browser, size);
  const ctx = { role, views, target: null };
  let broken = false;
  try {
    await check(`${size}: ${role} ${who.username} signs in`, () => signIn(page, who));
    for (const view of views) {
      await check(`${size}: ${role} ${view}`, async () => {
        if (broken) {
          // The last view failed half-way: start again from a fresh map.
          await page.reload({ waitUntil: 'load' });
          await page.waitForFunction(() => window.__gridgis?.ready || window.__gridgis?.error, null, { timeout: 60_000 });
          ctx.target = null;
          broken = false;
        }
        broken = true;
        await VIEWS[view](page, ctx);
        const note = await shoot(page, `${role}-${view}-${size}`);
        await LEAVE[view]?.(page, ctx);
        broken = false;
        return note;
      });
    }
  } finally {
    await page.context().close();
  }
}

async function main() {
  assert(process.env.SCREENS_DIR, 'SCREENS_DIR names the folder for the screenshots');
  mkdirSync(DIR, { recursive: true });
  const browser = await launch();
  try {
    // SCREENS_ONLY=officer,phone takes only those roles and sizes (to look again at a few).
    const only = (process.env.SCREENS_ONLY ?? '').split(',').filter(Boolean);
    const pick = (all) => (all.some((x) => only.includes(x)) ? all.filter((x) => only.includes(x)) : all);
    const roles = pick(ROLES.map((r) => r.role));
    for (const size of pick(Object.keys(SIZES))) {
      if (only.length === 0) await login(browser, size);
      for (const r of ROLES.filter((r) => roles.includes(r.role))) await walk(browser, r, size);
    }
    await check('the set is small enough for the repository (under 8 MB)', async () => {
      const total = written.reduce((s, p) => s + statSync(p).size, 0);
      assert(total < 8 * 1024 * 1024, `${written.length} pictures, ${(total / 1024 / 1024).toFixed(1)} MB`);
      return `${written.length} pictures, ${(total / 1024 / 1024).toFixed(2)} MB in ${DIR}`;
    });
    await checkNoProblems('no failed request and no page error');
  } finally {
    await browser.close();
  }
}

await runSteps(['screens', main]);
