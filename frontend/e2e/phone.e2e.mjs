// Browser end-to-end test of phone-first work (issue 13 point 5), against a
// running gridgis server with the demo data:
//
//   GRIDGIS_URL=http://127.0.0.1:18080 E2E_LIAISON_USER=liaison-.. E2E_LIAISON_PASSWORD=... \
//   E2E_OFFICER_USER=officer-g01 E2E_OFFICER_PASSWORD=... E2E_ADMIN_USER=admin E2E_ADMIN_PASSWORD=... \
//   E2E_REMIND_ID=12 E2E_VISIT_ORG=34 node e2e/phone.e2e.mjs
//
// A liaison on a 390×844 phone: 待办 in the top bar counts their open
// requests (overdue marked), one tap shows the list, a tap on an item
// opens the request; the officer's 催办 arrives live as a toast with the
// whole note that stays past the usual 8 s, counts 1 unread on 消息 and
// "(1) …" in the tab title; opening the message centre lists it and
// clears both, and a reload keeps the list; 登记走访 (reached by search)
// shows its confirmation inside the screen. In every view the liaison and
// the officer reach on the phone, every control is measured (≥ 44×44 px)
// and every field (≥ 16 px text); offenders are listed. The admin's top
// bar at 1280, 1366 and 1440 px clips no control and no title.
// Screenshots at 390×844 and 1366×768 go to e2e/out/.
import { join } from 'node:path';
import { OUT_DIR, account, assert, check, clickTool, finish, launch, problems, signIn } from './harness.mjs';

const LIAISON = account('liaison');
const OFFICER = account('officer', 'officer-g01');
const ADMIN = account('admin', 'admin');
const REMIND_ID = Number(process.env.E2E_REMIND_ID ?? 0);
const VISIT_ORG = Number(process.env.E2E_VISIT_ORG ?? 0);
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1366, height: 768 };
const MIN_TARGET = 44;
const FIELD_PX = 16;
const NOTE = '已超期三天，请今天下班前联系企业负责人，回复处理进度，并把现场照片和整改计划一并上传到系统里';
const options = { locale: 'zh-CN', timezoneId: 'Asia/Shanghai' };

function watch(page) {
  page.on('response', (res) => {
    if (res.status() >= 400 && !(res.status() === 401 && new URL(res.url()).pathname === '/api/v1/me')) {
      problems.push(`HTTP ${res.status()} ${res.request().method()} ${new URL(res.url()).pathname}`);
    }
  });
  page.on('requestfailed', (req) => {
    if (req.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`${req.method()} ${req.url()}: ${req.failure()?.errorText}`);
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/^Failed to load resource: the server responded with a status of 401/.test(msg.text())) {
      problems.push(`console: ${msg.text()}`);
    }
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
}

async function newPage(browser, viewport) {
  const phone = viewport.width < 700;
  const page = await (await browser.newContext({ ...options, viewport, isMobile: phone, hasTouch: phone })).newPage();
  watch(page);
  return page;
}

/**
 * Every control on screen now that a finger could aim at, with its box,
 * and every field with its text size. A checkbox or radio is aimed at
 * through its label, so the label is measured.
 */
function measureControls() {
  const seen = new Set();
  const out = [];
  const name = (e) => {
    const label = e.getAttribute('aria-label') || e.textContent?.trim().slice(0, 16) || e.getAttribute('placeholder') || '';
    return `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${e.classList.length ? `.${[...e.classList].join('.')}` : ''}${label ? ` “${label}”` : ''}`;
  };
  const shown = (e) => {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return false;
    // Off screen (a closed sheet below the window): not what the view offers.
    if (r.bottom <= 0 || r.top >= window.innerHeight || r.right <= 0 || r.left >= window.innerWidth) return false;
    const s = getComputedStyle(e);
    return s.visibility !== 'hidden' && s.display !== 'none' && e.closest('[hidden]') === null && e.closest('[inert]') === null;
  };
  const selector = 'button, a[href], input, select, textarea, summary, [role="button"], [role="option"], [role="tab"], [role="menuitem"], [tabindex]:not([tabindex="-1"])';
  for (let e of document.querySelectorAll(selector)) {
    if (e.matches('canvas')) continue; // the map itself
    if (e.matches('input[type="checkbox"], input[type="radio"]')) e = e.closest('label') ?? e;
    if (seen.has(e) || !shown(e)) continue;
    seen.add(e);
    const r = e.getBoundingClientRect();
    const field = e.matches('input:not([type="checkbox"]):not([type="radio"]):not([type="hidden"]), select, textarea');
    out.push({ what: name(e), w: Math.round(r.width * 10) / 10, h: Math.round(r.height * 10) / 10, field, font: field ? parseFloat(getComputedStyle(e).fontSize) : null });
  }
  return out;
}

/** Measures the controls of one view and fails listing every one too small. */
async function audit(page, view, audits) {
  const controls = await page.evaluate(measureControls);
  const small = controls.filter((c) => c.w < MIN_TARGET || c.h < MIN_TARGET);
  const tiny = controls.filter((c) => c.field && c.font < FIELD_PX);
  audits.push({ view, controls: controls.length, small, tiny });
  return controls.length;
}

function auditReport(audits) {
  const bad = audits.filter((a) => a.small.length || a.tiny.length);
  const lines = bad.map(
    (a) =>
      `${a.view}: ${[...a.small.map((c) => `${c.what} ${c.w}×${c.h}`), ...a.tiny.map((c) => `${c.what} field ${c.font}px`)].join('; ')}`,
  );
  assert(bad.length === 0, `too small on the phone —\n    ${lines.join('\n    ')}`);
  return audits.map((a) => `${a.view} ${a.controls}`).join(', ');
}

/** What the top bar's 待办 and 消息 say, and the tab title. */
function topBar(page) {
  return page.evaluate(() => {
    const todo = document.getElementById('todo-top-count');
    return {
      todo: todo.textContent,
      overdue: Number(todo.dataset.overdue),
      unread: document.getElementById('messages-count').textContent,
      title: document.title,
    };
  });
}

/** The open requests the server gives this page's user, and how many are overdue. */
function openRequests(page) {
  return page.evaluate(async () => {
    const fc = await (await fetch('/api/v1/requests?status=open&limit=1000')).json();
    return { count: fc.features.length, overdue: fc.features.filter((f) => f.properties.sla === 'red').length, ids: fc.features.map((f) => f.id) };
  });
}

/** Whether an element is wholly inside the window. */
function inView(page, selector) {
  return page.evaluate((selector) => {
    const e = document.querySelector(selector);
    if (!e) return { ok: false, why: `no ${selector}` };
    const r = e.getBoundingClientRect();
    const ok = r.width > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= window.innerHeight && r.right <= window.innerWidth;
    return { ok, why: `${selector} at ${Math.round(r.left)},${Math.round(r.top)}–${Math.round(r.right)},${Math.round(r.bottom)} in ${window.innerWidth}×${window.innerHeight}` };
  }, selector);
}

async function waitForRequestPanel(page, id) {
  await page.waitForFunction(
    (id) => {
      const d = document.getElementById('detail');
      return !d.hidden && d.dataset.requestId === String(id) && d.getAttribute('aria-busy') === 'false' && d.querySelector('.rq-actions') !== null;
    },
    id,
    { timeout: 15_000 },
  );
}

async function liaisonJourney(browser, officerPage, audits) {
  const page = await newPage(browser, PHONE);
  let open = null;
  let title = '';

  await check('phone: 待办 in the top bar counts the open requests in the liaison\'s scope, overdue marked', async () => {
    await signIn(page, LIAISON);
    open = await openRequests(page);
    assert(open.count >= 3 && open.ids.includes(REMIND_ID), `the liaison has ${open.count} open requests (${open.ids.join(',')}), want ≥ 3 with #${REMIND_ID}`);
    await page.waitForFunction((n) => document.getElementById('todo-top-count').textContent === String(n), open.count, { timeout: 10_000 });
    const bar = await topBar(page);
    assert(bar.overdue === open.overdue && open.overdue >= 2, `overdue marked ${bar.overdue}, the server says ${open.overdue}`);
    const box = await page.locator('#tool-todo').boundingBox();
    assert(box && box.width >= MIN_TARGET && box.height >= MIN_TARGET && box.y + box.height <= 60, `待办 is ${JSON.stringify(box)}`);
    const label = `${await page.locator('#tool-todo .work-label').textContent()}${await page.locator('#todo-top-count').textContent()}`;
    assert(label === `待办${open.count}` && (await page.locator('#tool-todo .work-label').isVisible()), `the button reads “${label}”`);
    const legend = (await page.locator('#panel-toggle').textContent()).trim();
    await audit(page, 'map', audits);
    await page.screenshot({ path: join(OUT_DIR, 'phone-map.png') });
    // 图例 opens the legend, not the work queue.
    await page.locator('#panel-toggle').tap();
    await page.locator('#legend').waitFor({ state: 'visible', timeout: 5_000 });
    assert(await page.locator('#todo').isHidden(), '图例 opened the 待办 list');
    await page.waitForTimeout(300); // the sheet slides up
    await audit(page, '图例', audits);
    await page.screenshot({ path: join(OUT_DIR, 'phone-legend.png') });
    await page.locator('#panel-toggle').tap();
    return `待办 ${bar.todo} (超期 ${bar.overdue}); the panel button reads “${legend}”; screenshot e2e/out/phone-map.png`;
  });

  await check('phone: one tap on 待办 shows the list; a tap on an item opens the request', async () => {
    assert(open, 'not signed in');
    await page.locator('#tool-todo').tap();
    const items = page.locator('#todo .todo-item');
    await items.first().waitFor({ state: 'visible', timeout: 5_000 });
    assert((await items.count()) === open.count, `${await items.count()} items listed, ${open.count} open`);
    // The sheet slides up (0.2 s): wait for it to be in place.
    await page.waitForFunction(() => {
      const r = document.querySelector('#todo .todo-item').getBoundingClientRect();
      return r.top >= 0 && r.bottom <= window.innerHeight;
    }, null, { timeout: 3_000 }).catch(() => {});
    const seen = await inView(page, '#todo .todo-item');
    assert(seen.ok, `the first item is not on screen: ${seen.why}`);
    assert((await page.locator('#tool-todo').getAttribute('aria-expanded')) === 'true', '待办 does not say it is open');
    await audit(page, '待办', audits);
    await page.screenshot({ path: join(OUT_DIR, 'phone-todo.png') });
    const item = page.locator(`#todo .todo-item[data-request-id="${REMIND_ID}"]`);
    title = ((await item.locator('.todo-title').textContent()) ?? '').trim();
    await item.tap();
    await waitForRequestPanel(page, REMIND_ID);
    await audit(page, 'request panel', audits);
    await page.screenshot({ path: join(OUT_DIR, 'phone-request.png') });
    return `${open.count} items; opened #${REMIND_ID} ${title}; screenshots e2e/out/phone-todo.png, phone-request.png`;
  });

  await check('phone: the officer\'s 催办 arrives as a toast with the whole note, which stays; 消息 counts it, and the tab title', async () => {
    assert(title, 'no request opened');
    await page.locator('#detail-close').tap();
    const before = await topBar(page);
    assert(before.unread === '' && !before.title.startsWith('('), `unread before: ${JSON.stringify(before)}`);
    const sent = await officerPage.evaluate(
      async ([id, note]) => {
        const r = await (await fetch(`/api/v1/requests/${id}`)).json();
        const res = await fetch(`/api/v1/requests/${id}/remind`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Idempotency-Key': crypto.randomUUID() },
          body: JSON.stringify({ version: r.version, note }),
        });
        return res.status;
      },
      [REMIND_ID, NOTE],
    );
    assert(sent === 200, `POST remind answered ${sent}`);
    const want = `您被催办：${title} · ${NOTE}`;
    await page.waitForFunction((t) => window.__gridgis.toasts().includes(t), want, { timeout: 15_000 }).catch(async () => {
      throw new Error(`toasts: ${JSON.stringify(await page.evaluate(() => window.__gridgis.toasts()))}, want “${want}”`);
    });
    await page.waitForFunction(() => document.getElementById('messages-count').textContent === '1', null, { timeout: 5_000 });
    const bar = await topBar(page);
    assert(bar.title.startsWith('(1) ') && bar.title.includes('园区网格地图'), `tab title “${bar.title}”`);
    // The whole note is on screen: the words wrap inside the toast, nothing is cut.
    const toast = page.locator(`#toasts .toast[data-request-id="${REMIND_ID}"]`);
    const fit = await toast.evaluate((t) => {
      const words = t.querySelector('.toast-text');
      const r = t.getBoundingClientRect();
      return {
        cut: words.scrollWidth > words.clientWidth + 1 || words.scrollHeight > words.clientHeight + 1 || getComputedStyle(words).textOverflow === 'ellipsis',
        inside: r.left >= 0 && r.right <= window.innerWidth && r.top >= 0 && r.bottom <= window.innerHeight,
        lines: Math.round(words.getBoundingClientRect().height / parseFloat(getComputedStyle(words).lineHeight)),
      };
    });
    assert(!fit.cut && fit.inside, `the toast cuts its note or leaves the screen: ${JSON.stringify(fit)}`);
    await page.screenshot({ path: join(OUT_DIR, 'phone-remind-toast.png') });
    await audit(page, 'toast', audits);
    // Passing toasts go after 8 s; a 催办 stays until dismissed or opened.
    await page.waitForTimeout(9_000);
    assert(await toast.isVisible(), 'the 催办 toast went away by itself');
    return `${fit.lines} lines; unread ${bar.unread}; title “${bar.title}”; screenshot e2e/out/phone-remind-toast.png`;
  });

  await check('phone: opening 消息 lists the 催办 (marked new) and clears the count and the title; a reload keeps the list', async () => {
    assert(title, 'no request opened');
    await page.locator('#tool-messages').tap();
    const first = page.locator('#messages-list .message').first();
    await first.waitFor({ state: 'visible', timeout: 5_000 });
    const item = await first.evaluate((li) => ({ text: li.querySelector('.message-text').textContent, read: li.dataset.read, id: li.dataset.requestId }));
    assert(item.text === `您被催办：${title} · ${NOTE}` && item.read === 'false' && item.id === String(REMIND_ID), `first message ${JSON.stringify(item)}`);
    const bar = await topBar(page);
    assert(bar.unread === '' && !bar.title.startsWith('('), `after opening: ${JSON.stringify(bar)}`);
    const seen = await inView(page, '#messages');
    assert(seen.ok, seen.why);
    await audit(page, '消息', audits);
    await page.screenshot({ path: join(OUT_DIR, 'phone-messages.png') });
    // Tapping it opens the request.
    await first.locator('.message-body').tap();
    await waitForRequestPanel(page, REMIND_ID);
    assert(await page.locator('#messages').isHidden(), 'the message centre stays open over the request');
    await page.reload();
    await page.waitForFunction(() => window.__gridgis?.ready, null, { timeout: 60_000 });
    const after = await topBar(page);
    assert(after.unread === '' && !after.title.startsWith('('), `after the reload: ${JSON.stringify(after)}`);
    await page.locator('#tool-messages').tap();
    await first.waitFor({ state: 'visible', timeout: 5_000 });
    const kept = await page.locator('#messages-list .message-text').allTextContents();
    assert(kept.length === 1 && kept[0] === item.text, `after the reload the list holds ${JSON.stringify(kept)}`);
    await page.locator('#messages-close').tap();
    return `“${item.text.slice(0, 24)}…”; screenshot e2e/out/phone-messages.png`;
  });

  await check('phone: a request the officer reports for one of the liaison\'s organizations is listed live, raises 消息, and counts on 待办 once handed to them', async () => {
    const before = await topBar(page);
    // The message centre left open, the tab put in the background: what arrives stays unread.
    await page.locator('#tool-messages').tap();
    await page.locator('#messages').waitFor({ state: 'visible', timeout: 5_000 });
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    const { status, id } = await officerPage.evaluate(async (org) => {
      const res = await fetch('/api/v1/requests', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Idempotency-Key': crypto.randomUUID() },
        body: JSON.stringify({ org_id: org, category: 'ordinary', topic: 'operations', title: '端到端手机：新上报的招工对接', description: '企业急需焊工 20 名' }),
      });
      return { status: res.status, id: res.ok ? (await res.json()).id : 0 };
    }, VISIT_ORG);
    assert(status === 201, `POST /api/v1/requests answered ${status}`);
    await page.waitForFunction(() => document.getElementById('messages-count').textContent === '1', null, { timeout: 15_000 }).catch(async () => {
      throw new Error(`with 消息 open in a background tab, the count reads “${(await topBar(page)).unread}”, want 1 (marked read unseen)`);
    });
    // 待交办: the liaison sees it (listed, not counted); the officer acts on it.
    await page.locator(`#todo .todo-item[data-request-id="${id}"]`).waitFor({ state: 'attached', timeout: 15_000 });
    const reported = await topBar(page);
    assert(reported.todo === before.todo, `待办 reads ${reported.todo} for a request still 待交办, want ${before.todo}`);
    assert((await page.locator(`#todo .todo-item.other[data-request-id="${id}"]`).count()) === 1, 'the 待交办 request is not set apart as someone else\'s');
    assert(reported.title.startsWith('(1) '), `tab title “${reported.title}”`);
    // Back to the tab: the open list shows it, and now it is read.
    await page.evaluate(() => {
      delete document.visibilityState;
      delete document.hidden;
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await page.waitForFunction(() => document.getElementById('messages-count').textContent === '', null, { timeout: 5_000 }).catch(async () => {
      throw new Error(`back on the tab, 消息 still counts “${(await topBar(page)).unread}”`);
    });
    await page.locator('#messages-close').tap();
    // 交办 to the liaison: now it is theirs.
    const liaisonId = await page.evaluate(async () => (await (await fetch('/api/v1/me')).json()).user.liaison_id);
    const assigned = await officerPage.evaluate(
      async ({ id, liaisonId }) =>
        (await fetch(`/api/v1/requests/${id}/transitions`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ action: 'assign', version: 1, liaison_id: liaisonId }),
        })).status,
      { id, liaisonId },
    );
    assert(assigned === 200, `交办 (liaison ${liaisonId}) answered ${assigned}`);
    const want = Number(before.todo) + 1;
    await page.waitForFunction((n) => document.getElementById('todo-top-count').textContent === String(n), want, { timeout: 15_000 }).catch(async () => {
      throw new Error(`待办 reads ${(await topBar(page)).todo}, want ${want}`);
    });
    const server = await openRequests(page);
    assert(server.count === want, `the server has ${server.count} open, the bar ${want}`);
    const bar = await topBar(page);
    return `待办 ${before.todo} → ${reported.todo} (待交办) → ${bar.todo} (交办), 消息 ${bar.unread}, “${bar.title}”`;
  });

  await check('phone: search → the organization → 登记走访; the confirmation is in view and focused', async () => {
    const org = await page.evaluate(async (id) => (await (await fetch(`/api/v1/organizations/${id}`)).json()), VISIT_ORG);
    const name = org.properties?.name ?? org.name;
    assert(name, `no organization #${VISIT_ORG}`);
    await page.locator('.search-open').tap();
    const input = page.locator('#search-input');
    await input.waitFor({ state: 'visible', timeout: 5_000 });
    // Three characters from the middle of the name, as people remember it.
    const chars = [...name];
    await input.pressSequentially(chars.slice(Math.max(0, chars.length - 7), chars.length - 4).join(''), { delay: 60 });
    const option = page.locator(`.search-option[data-kind="org"][data-id="${VISIT_ORG}"]`);
    await option.waitFor({ state: 'visible', timeout: 10_000 });
    await audit(page, 'search', audits);
    await option.tap();
    await page.waitForFunction((id) => {
      const d = document.getElementById('detail');
      return !d.hidden && d.dataset.view === 'org' && d.querySelector('.contact-form') !== null && d.textContent.includes('联系走访记录');
    }, VISIT_ORG, { timeout: 15_000 });
    const form = page.locator('#detail .contact-form');
    await form.scrollIntoViewIfNeeded();
    await audit(page, 'org panel with 登记联系/走访', audits);
    await page.screenshot({ path: join(OUT_DIR, 'phone-org-form.png') });
    await form.locator('input[name="contact-kind"][value="visit"]').check();
    await form.locator('#contact-note').fill('e2e 手机登记走访，企业反映用工需求');
    // The liaison scrolled down to the button (the log below keeps the panel long).
    await form.locator('.submit').scrollIntoViewIfNeeded();
    await page.evaluate(() => {
      for (const e of [document.getElementById('detail'), document.getElementById('detail-body')]) e.scrollTop = e.scrollHeight;
    });
    const answered = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `/api/v1/organizations/${VISIT_ORG}/contacts`);
    await form.locator('.submit').tap();
    assert((await answered).status() === 201, 'POST contacts failed');
    await page.locator('#detail .detail-notice', { hasText: '已登记走访' }).waitFor({ timeout: 10_000 });
    await page.waitForTimeout(300); // the panel settles (scroll)
    const seen = await inView(page, '#detail .detail-notice');
    assert(seen.ok, `已登记走访 is out of sight: ${seen.why}`);
    const focused = await page.evaluate(() => document.activeElement?.classList.contains('detail-notice') ?? false);
    assert(focused, 'the confirmation does not have the focus');
    await page.screenshot({ path: join(OUT_DIR, 'phone-visit-logged.png') });
    return `${name}; ${seen.why}; screenshot e2e/out/phone-visit-logged.png`;
  });

  await check('phone: with the organization still open, 待办 and 图例 show their list on top of it', async () => {
    assert(await page.locator('#detail').isVisible(), 'the organization is not open');
    const onTop = async (selector) => {
      // The sheet slides up (0.2 s); then the finger's point must hit the list, not the sheet under it.
      await page.waitForTimeout(400);
      return page.evaluate((selector) => {
        const e = document.querySelector(selector);
        const r = e.getBoundingClientRect();
        const x = r.left + r.width / 2;
        const y = r.top + Math.min(r.height / 2, 12);
        const hit = document.elementFromPoint(x, y);
        return { ok: hit !== null && e.contains(hit), why: `at ${Math.round(x)},${Math.round(y)} the topmost is ${hit?.tagName.toLowerCase()}#${hit?.id}.${hit?.className}` };
      }, selector);
    };
    await page.locator('#tool-todo').tap();
    await page.locator('#todo .todo-item').first().waitFor({ state: 'visible', timeout: 5_000 });
    const todo = await onTop('#todo .todo-item');
    assert(todo.ok, `待办: the first item is covered: ${todo.why}`);
    await page.screenshot({ path: join(OUT_DIR, 'phone-todo-over-org.png') });
    await page.locator('#tool-todo').tap(); // closes the list
    await page.locator('#panel-toggle').tap();
    await page.locator('#legend').waitFor({ state: 'visible', timeout: 5_000 });
    const legend = await onTop('#legend');
    assert(legend.ok, `图例: the legend is covered: ${legend.why}`);
    await page.locator('#panel-toggle').tap();
    return `${todo.why}; ${legend.why}; screenshot e2e/out/phone-todo-over-org.png`;
  });
  await page.context().close();
}

async function officerPhone(browser, audits) {
  const page = await newPage(browser, PHONE);
  await check('phone: the officer\'s views — map, 待办, a request with its actions, 更多, 消息', async () => {
    await signIn(page, OFFICER);
    const open = await openRequests(page);
    await page.waitForFunction((n) => document.getElementById('todo-top-count').textContent === String(n), open.count, { timeout: 10_000 });
    await audit(page, 'officer map', audits);
    await page.screenshot({ path: join(OUT_DIR, 'phone-officer-map.png') });
    await page.locator('#tool-todo').tap();
    await page.locator('#todo .todo-item').first().waitFor({ state: 'visible', timeout: 5_000 });
    await audit(page, 'officer 待办', audits);
    await page.locator(`#todo .todo-item[data-request-id="${REMIND_ID}"]`).tap();
    await waitForRequestPanel(page, REMIND_ID);
    await audit(page, 'officer request panel', audits);
    await page.locator('#detail .action-button[data-action="remind"]').tap();
    await page.locator('#detail .action-form[data-action="remind"]').waitFor({ state: 'visible', timeout: 5_000 });
    await audit(page, 'officer 催办 form', audits);
    await page.locator('#detail-close').tap();
    if (await page.locator('#tool-more').isVisible()) {
      await page.locator('#tool-more').tap();
      await page.locator('#tools-menu .tool').first().waitFor({ state: 'visible', timeout: 5_000 });
      await audit(page, 'officer 更多', audits);
      await page.screenshot({ path: join(OUT_DIR, 'phone-officer-more.png') });
      await page.locator('#tool-more').tap();
    }
    await page.locator('#tool-messages').tap();
    await page.locator('#messages-list li').first().waitFor({ state: 'visible', timeout: 5_000 });
    await audit(page, 'officer 消息', audits);
    await page.locator('#messages-close').tap();
    return `${open.count} open; screenshot e2e/out/phone-officer-map.png`;
  });
  await page.context().close();
}

/** Every focusable control of the top bar that is cut by an ancestor or the window, and a cut title. */
function clippedInTopBar() {
  const bar = document.querySelector('#app .topbar');
  const out = [];
  const whole = (e) => {
    const r = e.getBoundingClientRect();
    if (r.right > window.innerWidth + 0.5 || r.left < -0.5) return false;
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (s.overflowX === 'visible' && s.overflowY === 'visible') continue;
      const c = a.getBoundingClientRect();
      if (r.left < c.left - 0.5 || r.right > c.right + 0.5 || r.top < c.top - 0.5 || r.bottom > c.bottom + 0.5) return false;
    }
    return true;
  };
  for (const e of bar.querySelectorAll('button, a[href], input, select, [tabindex]:not([tabindex="-1"])')) {
    if (e.getClientRects().length === 0 || e.closest('[hidden]')) continue;
    if (!whole(e)) out.push(e.id || e.getAttribute('aria-label') || e.textContent.trim());
  }
  const title = bar.querySelector('.title');
  if (title && title.getClientRects().length && (title.scrollWidth > title.clientWidth + 1 || !whole(title))) out.push('the title 园区网格地图');
  const more = document.getElementById('tool-more');
  const menu = [...document.querySelectorAll('#tools-menu .tool')].map((b) => b.getAttribute('aria-label'));
  const inBar = [...document.querySelectorAll('nav.tools .tool')].filter((b) => !b.hidden && b.getClientRects().length > 0).length;
  return { clipped: out, more: Boolean(more && more.getClientRects().length > 0), menu, inBar };
}

async function adminTopBar(browser) {
  await check('admin: the top bar clips no control and no title at 1024, 1280, 1366 and 1440 px; every tool is in the bar or 更多', async () => {
    const page = await newPage(browser, DESKTOP);
    const notes = [];
    try {
      await signIn(page, ADMIN);
      for (const width of [1024, 1280, 1366, 1440]) {
        await page.setViewportSize({ width, height: 768 });
        await page.waitForTimeout(400); // the bar refits on the next frame
        const r = await page.evaluate(clippedInTopBar);
        assert(r.clipped.length === 0, `${width} px: clipped ${r.clipped.join(', ')}`);
        assert(r.inBar + r.menu.length === 7, `${width} px: ${r.inBar} tools in the bar and ${r.menu.length} in 更多, want the admin's 7`);
        notes.push(`${width}: ${r.more ? `更多 holds ${r.menu.join('、')}` : 'all tools in the bar'}`);
        if (width === 1024) {
          assert(r.more, '1024 px: the admin has no 更多 (its keyboard check needs it)');
          await page.locator('#tool-more').click();
          await page.screenshot({ path: join(OUT_DIR, 'desktop-admin-1024-more.png') });
          await page.locator('#tool-more').click();
          // From the keyboard: Enter on 更多 puts the focus on the menu's first tool; Escape brings it back.
          await page.locator('#tool-more').focus();
          await page.keyboard.press('Enter');
          await page.locator('#tools-menu .tool').first().waitFor({ state: 'visible', timeout: 5_000 });
          await page.waitForTimeout(100); // the bar refits on the next frame
          const focused = await page.evaluate(() => {
            const a = document.activeElement;
            return { inMenu: a?.matches('#tools-menu .tool') ?? false, what: `${a?.tagName.toLowerCase()}#${a?.id}` };
          });
          assert(focused.inMenu, `更多 opened by Enter leaves the focus on ${focused.what}, not on a tool in the menu`);
          await page.keyboard.press('Escape');
          const back = await page.evaluate(() => document.activeElement?.id);
          assert(back === 'tool-more', `Escape leaves the focus on #${back}`);
          notes.push(`更多 by keyboard focuses ${focused.what}`);
        }
        if (width === 1366) {
          // Every tool is still reachable: from the bar or from 更多.
          await page.screenshot({ path: join(OUT_DIR, 'desktop-admin-1366.png') });
          if (r.more) {
            await page.locator('#tool-more').click();
            await page.screenshot({ path: join(OUT_DIR, 'desktop-admin-1366-more.png') });
            await page.locator('#tool-more').click();
          }
        }
      }
    } finally {
      await page.context().close();
    }
    return `${notes.join('; ')}; screenshot e2e/out/desktop-admin-1366.png`;
  });
}

async function adminApplyOnPhone(browser) {
  await check('phone: the admin applies a plan; 方案已应用 is in view', async () => {
    const page = await newPage(browser, PHONE);
    try {
      await signIn(page, ADMIN);
      await clickTool(page, 'tool-rebalance');
      await page.waitForFunction(() => document.getElementById('detail').dataset.view === 'rebalance', null, { timeout: 10_000 });
      const built = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/rebalance/plans');
      await page.locator('#rb-build').tap();
      assert((await built).status() === 201, 'no plan built');
      await page.waitForFunction(() => window.__gridgis.plan && document.getElementById('detail').getAttribute('aria-busy') === 'false', null, { timeout: 30_000 });
      await page.locator('#rb-apply').tap();
      await page.locator('#rb-confirm').waitFor({ timeout: 5_000 });
      await page.locator('#rb-confirm').scrollIntoViewIfNeeded();
      await page.locator('#rb-confirm').tap();
      await page.locator('#detail .detail-notice', { hasText: '方案已应用' }).waitFor({ timeout: 30_000 });
      await page.waitForTimeout(300);
      const seen = await inView(page, '#detail .detail-notice');
      assert(seen.ok, `方案已应用 is out of sight: ${seen.why}`);
      await page.screenshot({ path: join(OUT_DIR, 'phone-plan-applied.png') });
      return `${seen.why}; screenshot e2e/out/phone-plan-applied.png`;
    } finally {
      await page.context().close();
    }
  });
}

async function main() {
  assert(REMIND_ID > 0 && VISIT_ORG > 0, 'E2E_REMIND_ID and E2E_VISIT_ORG are required');
  assert(LIAISON.username, 'E2E_LIAISON_USER is required');
  const browser = await launch();
  const audits = [];
  try {
    const officerPage = await newPage(browser, DESKTOP);
    await signIn(officerPage, OFFICER);
    await liaisonJourney(browser, officerPage, audits);
    await check('desktop: the officer\'s 待办 says how many are overdue in words', async () => {
      const words = ((await officerPage.locator('#todo-top-overdue').textContent()) ?? '').trim();
      const open = await openRequests(officerPage);
      assert(await officerPage.locator('#todo-top-overdue').isVisible(), 'no overdue words on the desktop 待办');
      assert(words === `超期 ${open.overdue}`, `“${words}”, the server says ${open.overdue} overdue`);
      await officerPage.screenshot({ path: join(OUT_DIR, 'desktop-officer-1366.png') });
      return `待办 ${await officerPage.locator('#todo-top-count').textContent()} · ${words}; screenshot e2e/out/desktop-officer-1366.png`;
    });
    await officerPage.context().close();
    await officerPhone(browser, audits);
    await check('phone: every control in every view is at least 44×44 px and every field 16 px', async () => auditReport(audits));
    await adminTopBar(browser);
    // Last: applying a plan moves liaisons.
    await adminApplyOnPhone(browser);
  } finally {
    await browser.close();
  }
  await check('no unexpected errors in the pages', async () => {
    assert(problems.length === 0, problems.slice(0, 5).join('; '));
  });
  process.exit(finish());
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
