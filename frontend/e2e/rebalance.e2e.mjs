// Browser end-to-end test of a rebalance plan that says what it trades,
// against a running gridgis server with the demo data:
//
//   GRIDGIS_URL=http://127.0.0.1:18080 E2E_ADMIN_USER=admin E2E_ADMIN_PASSWORD=... \
//   E2E_PLANNER_USER=planner E2E_PLANNER_PASSWORD=... node e2e/rebalance.e2e.mjs
//
// The admin opens 包联优化: the guards are on by default and offered as
// choices (总路程增幅, 允许降低覆盖). A default plan shows coverage per kind
// before and after, and its confirmation reads that every social
// organization covered now stays covered, with the travel against its
// bound; the admin cancels (nothing is applied). The admin asks how many
// liaisons full coverage needs; the planner asks the same from the
// coverage view. Then the same preview at phone size. Screenshots go to
// e2e/out/. Ends with "N passed, M failed" and a non-zero exit code on
// any failure.
import { join } from 'node:path';
import { OUT_DIR, account, assert, check, checkNoProblems, clickTool, launch, problems, runSteps, signIn } from './harness.mjs';

const ADMIN = account('admin', 'admin');
const PLANNER = account('planner', 'planner');
const DESKTOP = { width: 1280, height: 860 };
const PHONE = { width: 390, height: 844 };

function watch(page) {
  page.on('response', (res) => {
    if (res.status() >= 400 && !(res.status() === 401 && new URL(res.url()).pathname === '/api/v1/me')) {
      problems.push(`HTTP ${res.status()} ${res.request().method()} ${new URL(res.url()).pathname}`);
    }
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/status of 401/.test(msg.text())) problems.push(`console: ${msg.text()}`);
  });
}

async function openPage(browser, viewport, who) {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', deviceScaleFactor: 1, isMobile: viewport === PHONE, hasTouch: viewport === PHONE });
  const page = await context.newPage();
  watch(page);
  await signIn(page, who);
  return page;
}

/** Opens 包联优化 (on a phone, from the 更多 menu). */
async function openRebalance(page) {
  await clickTool(page, 'tool-rebalance');
  await page.waitForFunction(() => document.getElementById('detail').dataset.view === 'rebalance', null, { timeout: 10_000 });
}

/** Builds a plan with the form as it stands; returns the plan the server answered. */
async function build(page) {
  const answered = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/rebalance/plans');
  await page.locator('#rb-build').click();
  const res = await answered;
  assert(res.status() === 201, `POST /api/v1/rebalance/plans answered ${res.status()}`);
  const plan = await res.json();
  await page.waitForFunction((id) => window.__gridgis.plan?.id === id && document.getElementById('detail').getAttribute('aria-busy') === 'false', plan.id, {
    timeout: 30_000,
  });
  return plan;
}

/** Opens the confirmation and returns its text. */
async function confirmation(page) {
  await page.locator('#rb-apply').click();
  await page.locator('#rb-confirm').waitFor({ timeout: 5_000 });
  await page.locator('#rb-confirm-text').scrollIntoViewIfNeeded();
  return ((await page.locator('#rb-confirm-text').innerText()) ?? '').trim();
}

/** What the confirmation must say of the plan's social organizations and travel. */
function checkConfirmation(text, plan) {
  const b = plan.before.by_kind.social;
  const a = plan.after.by_kind.social;
  assert(a.covered >= b.covered, `the default plan lowers social organizations ${b.covered} → ${a.covered}`);
  assert(plan.tradeoffs?.coverage_kept && plan.tradeoffs.travel_within_limit, `tradeoffs ${JSON.stringify(plan.tradeoffs)}`);
  assert(text.includes(`社会组织 ${b.covered} → ${a.covered} 家（共 ${a.total} 家）`), `the confirmation lacks the social organizations' figures: ${text}`);
  assert(text.includes('每一类组织的覆盖都不减少'), `the confirmation does not say no kind loses coverage: ${text}`);
  if (plan.after.dropped === 0) {
    assert(/现有有联络员的.*社会组织全部仍在覆盖之内/.test(text), `the confirmation does not say every social organization stays covered: ${text}`);
  }
  assert(/总路程 .+ → .+（[+−]?\d+\.\d %，上限 \+10 %）/.test(text), `the confirmation lacks the travel against its bound: ${text}`);
  assert(/现有 \d+ 对包联保留 \d+ 对/.test(text), `the confirmation lacks the stability: ${text}`);
  assert(!text.includes('⚠'), `the default plan warns: ${text}`);
}

const browser = await launch();
let admin;
let plan;

await runSteps(
  [
    'desktop',
    async () => {
      admin = await openPage(browser, DESKTOP, ADMIN);

      await check('the admin sees the guards on by default, as choices', async () => {
        await openRebalance(admin);
        const travel = await admin.locator('#rb-travel').inputValue();
        const options = await admin.$$eval('#rb-travel option', (os) => os.map((o) => o.textContent));
        assert(travel === '0.1', `总路程增幅 starts at ${travel}`);
        assert(options.includes('不设上限'), `travel choices ${options}`);
        assert(!(await admin.locator('#rb-allow-loss').isChecked()), '允许降低覆盖 starts checked');
        return `总路程增幅 ${options.join(' / ')}`;
      });

      await check('a default plan shows coverage per kind before and after, and what it trades', async () => {
        plan = await build(admin);
        const rows = await admin.$$eval('#detail .rb-metrics tbody tr', (trs) =>
          Object.fromEntries(trs.map((tr) => [tr.dataset.metric, [...tr.querySelectorAll('td')].map((td) => td.textContent)])),
        );
        for (const key of ['kind:enterprise', 'kind:new_economic', 'kind:social', 'kept', 'reassigned', 'dropped', 'added', 'total_distance', 'longest_distance']) {
          assert(rows[key], `no metric row ${key}`);
        }
        const s = plan.after.by_kind.social;
        assert(rows['kind:social'][1].endsWith(`（${s.covered}/${s.total}）`), `social after: ${rows['kind:social'][1]}`);
        const trades = ((await admin.locator('#rb-tradeoffs').innerText()) ?? '').trim();
        assert(trades.includes('保障：不降低任何一类组织的覆盖；总路程不超过 ') && trades.includes('（至多 +10 %）'), `the plan's guards: ${trades}`);
        const k = plan.before.by_kind;
        const after = plan.after.by_kind;
        return `plan #${plan.id}: 新经济组织 ${k.new_economic.covered} → ${after.new_economic.covered}/${after.new_economic.total}, 社会组织 ${k.social.covered} → ${after.social.covered}/${after.social.total}, travel ${(plan.before.total_distance / 1000).toFixed(1)} → ${(plan.after.total_distance / 1000).toFixed(1)} km`;
      });

      await check('the confirmation reads that every social organization stays covered; cancelling applies nothing', async () => {
        const text = await confirmation(admin);
        checkConfirmation(text, plan);
        await admin.screenshot({ path: join(OUT_DIR, 'rebalance-confirm-desktop.png') });
        await admin.locator('.rb-apply button.cancel').click();
        await admin.locator('#rb-apply').waitFor({ timeout: 5_000 });
        const status = await admin.evaluate(() => window.__gridgis.plan?.status);
        assert(status === 'draft', `the plan is ${status} after cancelling`);
        return `"${text.split('\n').find((l) => l.includes('覆盖都不减少'))}"; screenshot e2e/out/rebalance-confirm-desktop.png`;
      });

      await check('the admin asks how many liaisons full coverage needs, and where', async () => {
        const answered = admin.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/rebalance/capacity');
        await admin.locator('#rb-capacity-ask').click();
        const c = await (await answered).json();
        const zone = admin.locator('#rb-capacity .capacity-zone');
        await zone.waitFor({ timeout: 10_000 });
        const text = ((await zone.textContent()) ?? '').trim();
        assert(text.includes(`全覆盖还需 ${c.liaisons_needed} 名联络员`), `the capacity line reads "${text}"`);
        const grids = await admin.locator('#rb-capacity .capacity-grid').count();
        assert(grids === c.grids.filter((g) => g.uncoverable > 0).length, `${grids} grids listed`);
        await admin.locator('#rb-capacity').scrollIntoViewIfNeeded();
        await admin.screenshot({ path: join(OUT_DIR, 'rebalance-capacity-desktop.png') });
        return text;
      });

      await check('a minimum load that breaks the travel bound: the cause is named, and applying takes a tick', async () => {
        await admin.locator('#rb-min').fill('8');
        const over = await build(admin);
        assert(over.tradeoffs && !over.tradeoffs.travel_within_limit, `with 8 each the plan keeps within the bound: ${JSON.stringify(over.tradeoffs)}`);
        const trades = ((await admin.locator('#rb-tradeoffs').innerText()) ?? '').trim();
        assert(trades.includes('总路程无法控制在上限内') && trades.includes('原因是每人最少 8 家的包联数'), `the plan explains: ${trades}`);
        assert(!trades.includes('现有包联中有超出上限或跨网格的关系'), `the plan blames current pairs: ${trades}`);
        await admin.locator('#rb-apply').click();
        await admin.locator('#rb-confirm-over').waitFor({ timeout: 5_000 });
        assert(await admin.locator('#rb-confirm').isDisabled(), '确认应用 is enabled before the tick');
        await admin.locator('#rb-confirm-over').check();
        assert(await admin.locator('#rb-confirm').isEnabled(), '确认应用 stays disabled after the tick');
        await admin.screenshot({ path: join(OUT_DIR, 'rebalance-over-bound-desktop.png') });
        await admin.locator('.rb-apply button.cancel').click();
        await admin.locator('#rb-min').fill('5');
        return `${(over.after.total_distance / 1000).toFixed(1)} km over ${(over.tradeoffs.travel_limit / 1000).toFixed(1)} km; reasons ${over.tradeoffs.reasons.join(', ')}`;
      });

      await check('the planner asks the same from the coverage view', async () => {
        const planner = await openPage(browser, DESKTOP, PLANNER);
        await planner.locator('#tool-coverage').click();
        await planner.locator('#coverage-indicator').selectOption('liaison');
        const button = planner.locator('#coverage-capacity');
        await button.waitFor({ state: 'visible', timeout: 10_000 });
        await button.click();
        const zone = planner.locator('#coverage-gaps .capacity-zone');
        await zone.waitFor({ timeout: 10_000 });
        const text = ((await zone.textContent()) ?? '').trim();
        assert(/全覆盖还需 \d+ 名联络员/.test(text), `the planner reads "${text}"`);
        await planner.screenshot({ path: join(OUT_DIR, 'coverage-capacity-desktop.png') });
        await planner.context().close();
        return 'screenshot e2e/out/coverage-capacity-desktop.png';
      });
      await admin.context().close();
    },
  ],
  [
    'phone',
    async () => {
      const phone = await openPage(browser, PHONE, ADMIN);
      await check('on a phone, the admin reads the same confirmation', async () => {
        await openRebalance(phone);
        const p = await build(phone);
        const text = await confirmation(phone);
        checkConfirmation(text, p);
        await phone.screenshot({ path: join(OUT_DIR, 'rebalance-confirm-phone.png') });
        await phone.locator('.rb-apply button.cancel').click();
        return 'screenshot e2e/out/rebalance-confirm-phone.png';
      });
      await phone.context().close();
    },
  ],
  ['problems', () => checkNoProblems('no failed request, console or page error')],
  ['close', () => browser.close()],
);
