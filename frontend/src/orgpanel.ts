// The side panel for one organization: its liaison and whether the
// liaison's weekly contact and monthly visit (每周一联系、每月一走访) are
// overdue, the form that logs a contact or visit (admins, officers and
// liaisons), the form that assigns or pins its liaison by hand (admins,
// and officers for liaisons of the organization's grid), and the log.
import type { Api, ContactEntry, ContactKind, LiaisonFeature, OrgFeature } from './api';
import { button, el, formFields, noticeLine, section, segment } from './dom';
import {
  CONTACT_KINDS,
  CONTACT_NOTE_MAX,
  canAssignLiaison,
  canLogContacts,
  checkContact,
  chinaLocalValue,
  contactKindLabel,
  contactLine,
  contactStatus,
  liaisonChoices,
  liaisonOption,
  orgActionFailure,
} from './contacts';
import { formatDateTime, kindLabel } from './i18n';
import { kindColor } from './layers/organizations';
import { amapNavigationURL, geoURI } from './navigate';
import { charCount } from './requests';
import type { User } from './session';
import type { PanelOwner, SidePanel } from './sidepanel';

export interface OrgPanelDeps {
  api: Api;
  user: User;
  side: SidePanel;
  /** The organization as the map holds it. */
  org(id: number): OrgFeature | undefined;
  /** Fetches the organization again and updates the map; null when it left the user's scope. */
  reloadOrg(id: number): Promise<OrgFeature | null>;
  /** The liaisons in scope (cached by the caller; `fresh` asks the server again). */
  liaisons(fresh?: boolean): Promise<LiaisonFeature[]>;
  gridName(id: number): string | undefined;
  /** After this page logged a contact, so the map recognises its live event. */
  onContactLogged(entry: ContactEntry): void;
  /** After this page changed the organization's liaison. */
  onLiaisonChanged(orgId: number): void;
  /** "在地图上查看" was clicked. */
  onLocate(orgId: number): void;
  /** The 企业信息 section (edit, move, retire) for those who may, else null. */
  editSection?(org: OrgFeature, reshow: (notice?: string) => void): HTMLElement | null;
}

export interface OrgPanel {
  show(orgId: number, notice?: string): Promise<void>;
  /** Reloads the panel if it shows orgId (a live event), keeping what was typed. */
  refresh(orgId: number, notice?: string): Promise<void>;
  orgId(): number | null;
  close(): void;
}

/** Log entries per page. */
const PAGE = 20;

interface FormState {
  kind: ContactKind | '';
  at: string;
  note: string;
}

/** What the panel holds now; the forms and the log read and change it. */
interface PanelState {
  shownId: number | null;
  /** Each load gets a number; an answer for an older one is dropped. */
  seq: number;
  /** A submission is in flight. */
  busy: boolean;
  form: FormState;
  log: ContactEntry[];
  next: string | undefined;
}

interface PanelCtx {
  deps: OrgPanelDeps;
  st: PanelState;
  show(orgId: number, notice?: string, keep?: boolean): Promise<void>;
}

export function createOrgPanel(deps: OrgPanelDeps): OrgPanel {
  const { side, user } = deps;
  const { root, body } = side;
  const st: PanelState = { shownId: null, seq: 0, busy: false, form: { kind: '', at: '', note: '' }, log: [], next: undefined };
  const ctx: PanelCtx = { deps, st, show: (id, notice, keep) => show(id, notice, keep) };

  const self: PanelOwner = {
    release() {
      st.seq++;
      st.shownId = null;
      st.busy = false;
      delete root.dataset.orgId;
      root.setAttribute('aria-busy', 'false');
    },
    busy: () => st.busy,
  };

  async function show(orgId: number, notice?: string, keep = false): Promise<void> {
    const was = side.owns(self) ? st.shownId : null;
    side.claim(self, 'org', '组织详情');
    const mine = ++st.seq;
    if (was !== orgId || !keep) st.form = { kind: '', at: '', note: '' };
    if (was !== orgId) body.replaceChildren(el('p', 'detail-loading', '正在加载…'));
    st.shownId = orgId;
    root.dataset.orgId = String(orgId);
    root.setAttribute('aria-busy', 'true');
    try {
      const [org, page, liaisons] = await Promise.all([
        deps.reloadOrg(orgId),
        deps.api.contacts(orgId, { limit: PAGE }),
        // Only to name the liaison and offer others: the panel works without.
        deps.liaisons().catch(() => [] as LiaisonFeature[]),
      ]);
      if (mine !== st.seq) return;
      if (!org) {
        body.replaceChildren(el('p', 'detail-error', '该组织不存在或不在您的管辖范围内'));
        return;
      }
      st.log = page.contacts;
      st.next = page.next;
      const pinned = canAssignLiaison(user.role) ? pinnedOf(org) : null;
      render(org, liaisons, pinned, notice);
    } catch (err) {
      if (mine !== st.seq) return;
      const box = el('div', 'detail-error');
      box.append(el('p', '', `加载失败：${orgActionFailure(err, []).message}`), button('link-button', '重试', () => void show(orgId)));
      body.replaceChildren(box);
      console.warn('gridgis: loading an organization failed', err);
    } finally {
      if (mine === st.seq) root.setAttribute('aria-busy', 'false');
    }
  }

  /** Whether the organization's active assignment is pinned; null when the server did not say. */
  function pinnedOf(org: OrgFeature): boolean | null {
    if (org.properties.liaison_id === null) return false;
    return typeof org.properties.pinned === 'boolean' ? org.properties.pinned : null;
  }

  function render(org: OrgFeature, liaisons: readonly LiaisonFeature[], pinned: boolean | null, notice?: string): void {
    const p = org.properties;
    const nodes: HTMLElement[] = [];
    if (notice) nodes.push(noticeLine(notice, 'status'));
    const head = el('div', 'org-head');
    const badge = el('span', 'popup-badge', kindLabel(p.kind));
    badge.style.setProperty('--badge-color', kindColor(p.kind));
    head.append(el('h3', 'org-title', p.name), badge);
    nodes.push(head);
    const meta = el('p', 'org-meta');
    meta.append(el('span', '', deps.gridName(p.grid_id) ?? `网格 #${p.grid_id}`), el('span', '', p.industry || ''));
    meta.append(button('link-button', '在地图上查看', () => deps.onLocate(org.id)));
    nodes.push(meta);
    // Where to go: the registered address (the map shows only the point).
    if (p.address) nodes.push(el('p', 'org-address', `地址：${p.address}`));
    nodes.push(navigationLinks(org));

    // Who looks after it, and whether they keep the rhythm.
    const liaison = p.liaison_id === null ? null : liaisons.find((l) => l.id === p.liaison_id);
    const status = el('dl', 'contact-status');
    status.dataset.contactOverdue = String(Boolean(p.contact_overdue));
    status.dataset.visitOverdue = String(Boolean(p.visit_overdue));
    status.append(el('dt', '', '包联联络员'));
    const who = el('dd');
    who.append(
      el(
        'span',
        '',
        p.liaison_id === null ? '未包联' : liaison ? `${liaison.properties.name}（包联 ${liaison.properties.load}/${liaison.properties.max}）` : `联络员 #${p.liaison_id}`,
      ),
    );
    if (pinned) who.append(' ', el('span', 'row-badge tone-pinned', '已锁定'));
    status.append(who);
    for (const s of contactStatus(p)) {
      status.append(el('dt', '', s.label));
      const dd = el('dd');
      dd.append(el('span', '', formatDateTime(s.at)));
      // Without a liaison nothing is due: the liaison line says 未包联.
      if (s.tone !== 'none') {
        const b = el('span', `row-badge contact-badge tone-${s.tone}`, s.badge);
        b.dataset.kind = s.kind;
        b.dataset.tone = s.tone;
        dd.append(' ', b);
      }
      status.append(dd);
    }
    nodes.push(section('联系走访', status));
    const edit = deps.editSection?.(org, (n) => void show(org.id, n));
    if (edit) nodes.push(section('企业信息', edit));

    if (canLogContacts(user.role)) nodes.push(section('登记联系 / 走访', contactForm(ctx, org)));
    if (canAssignLiaison(user.role)) nodes.push(section('调整包联', liaisonForm(ctx, org, liaisons, pinned)));
    nodes.push(section(`联系走访记录`, logList(ctx, org.id)));
    body.replaceChildren(...nodes);
  }

  return {
    show: (id, notice) => show(id, notice),
    async refresh(id, notice) {
      if (st.shownId !== id || st.busy) return;
      await show(id, notice, true);
    },
    orgId: () => st.shownId,
    close() {
      if (side.owns(self)) side.close();
    },
  };
}

/** 导航: Amap (the app on a phone) and, for other map apps, a geo: link. */
function navigationLinks(org: OrgFeature): HTMLElement {
  const at = org.geometry.coordinates;
  const row = el('p', 'org-navigate');
  const amap = el('a', 'org-navigate-link primary', '导航');
  amap.href = amapNavigationURL(at, org.properties.name);
  amap.target = '_blank';
  amap.rel = 'noopener noreferrer';
  amap.title = '在高德地图中导航到这里';
  amap.dataset.nav = 'amap';
  const geo = el('a', 'org-navigate-link', '用其他地图打开');
  geo.href = geoURI(at, org.properties.name);
  geo.dataset.nav = 'geo';
  row.append(amap, geo);
  return row;
}

function contactForm(ctx: PanelCtx, org: OrgFeature): HTMLElement {
  const p = org.properties;
  if (ctx.st.form.kind === '') ctx.st.form.kind = p.visit_overdue ? 'visit' : 'contact';
  const f = el('form', 'contact-form');
  f.noValidate = true;
  const { field: fieldBox, showErrors } = formFields('contact');

  const kinds = el('fieldset', 'segmented');
  kinds.setAttribute('aria-label', '类型');
  const submit = el('button', 'submit tone-primary');
  submit.type = 'submit';
  const label = () => `登记${contactKindLabel(ctx.st.form.kind)}`;
  for (const k of CONTACT_KINDS) {
    const seg = segment('contact-kind', k, ctx.st.form.kind === k, contactKindLabel(k), k === 'visit' ? '每月一走访' : '每周一联系');
    seg.input.addEventListener('change', () => {
      ctx.st.form.kind = k;
      submit.textContent = label();
    });
    kinds.append(seg.label);
  }
  submit.textContent = label();

  const at = el('input', 'input');
  at.type = 'datetime-local';
  at.value = ctx.st.form.at;
  at.max = chinaLocalValue(Date.now());
  at.addEventListener('input', () => (ctx.st.form.at = at.value));
  const atHint = el('span', 'counter', '不填即为现在');

  const note = el('textarea', 'input');
  note.rows = 3;
  note.value = ctx.st.form.note;
  note.placeholder = '联系或走访的情况、企业反映的问题';
  note.maxLength = CONTACT_NOTE_MAX * 2;
  const counter = el('span', 'counter');
  const count = () => {
    const n = charCount(note.value.trim());
    counter.textContent = `${n}/${CONTACT_NOTE_MAX}`;
    counter.classList.toggle('over', n > CONTACT_NOTE_MAX);
  };
  count();
  note.addEventListener('input', () => {
    ctx.st.form.note = note.value;
    count();
  });

  const message = el('p', 'form-message');
  message.setAttribute('role', 'alert');
  const buttons = el('div', 'form-buttons');
  buttons.append(submit);
  f.append(fieldBox('kind', '类型', kinds), fieldBox('at', '时间', at, atHint), fieldBox('note', '情况说明（选填）', note, counter), message, buttons);

  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (ctx.st.busy) return;
    message.textContent = '';
    const checked = checkContact({ kind: ctx.st.form.kind, at: at.value, note: note.value }, Date.now());
    if (!checked.ok) {
      showErrors(checked.errors);
      return;
    }
    showErrors({});
    ctx.st.busy = true;
    submit.disabled = true;
    submit.textContent = '正在提交…';
    try {
      const entry = await ctx.deps.api.createContact(org.id, checked.body);
      ctx.deps.onContactLogged(entry);
      ctx.st.busy = false;
      ctx.st.form = { kind: '', at: '', note: '' };
      if (ctx.st.shownId === org.id) await ctx.show(org.id, `已登记${contactKindLabel(entry.kind)}`);
    } catch (err) {
      ctx.st.busy = false;
      submit.disabled = false;
      submit.textContent = label();
      const failure = orgActionFailure(err, ['kind', 'at', 'note']);
      if (failure.field) showErrors({ [failure.field]: failure.message });
      else message.textContent = failure.message;
      console.warn('gridgis: logging a contact failed', err);
    }
  });
  return f;
}

function liaisonForm(ctx: PanelCtx, org: OrgFeature, liaisons: readonly LiaisonFeature[], pinned: boolean | null): HTMLElement {
  const p = org.properties;
  const f = el('form', 'liaison-form');
  f.noValidate = true;
  const select = el('select', 'input');
  select.id = 'org-liaison';
  const choices = liaisonChoices(liaisons, p.grid_id, ctx.deps.user.role);
  select.append(new Option('不包联（取消包联）', ''));
  for (const l of choices) select.append(new Option(liaisonOption(l, p.grid_id, p.liaison_id, ctx.deps.gridName), String(l.id)));
  if (p.liaison_id !== null && !choices.some((l) => l.id === p.liaison_id)) {
    // The current liaison is not one this user may choose (another grid): still show who it is.
    select.append(new Option(`联络员 #${p.liaison_id}（当前）`, String(p.liaison_id)));
  }
  select.value = p.liaison_id === null ? '' : String(p.liaison_id);
  const pin = el('input');
  pin.type = 'checkbox';
  pin.id = 'org-liaison-pinned';
  pin.checked = Boolean(pinned);
  const pinLabel = el('label', 'check');
  pinLabel.append(pin, el('span', '', '锁定包联关系（包联优化不调整）'));
  const syncPin = () => {
    pin.disabled = select.value === '';
    if (pin.disabled) pin.checked = false;
  };
  syncPin();
  select.addEventListener('change', syncPin);
  const err = el('p', 'field-error');
  const message = el('p', 'form-message');
  message.setAttribute('role', 'alert');
  const submit = el('button', 'submit tone-primary', '保存包联');
  submit.type = 'submit';
  const box = el('div', 'form-field');
  box.dataset.field = 'liaison_id';
  const lab = el('label', '', '包联联络员');
  lab.htmlFor = select.id;
  box.append(lab, select, pinLabel, err);
  const buttons = el('div', 'form-buttons');
  buttons.append(submit);
  f.append(box, message, buttons);
  if (choices.length === 0) f.append(el('p', 'muted', '本网格暂无可选的联络员'));

  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (ctx.st.busy) return;
    err.textContent = '';
    message.textContent = '';
    const liaisonId = select.value === '' ? null : Number(select.value);
    ctx.st.busy = true;
    submit.disabled = true;
    submit.textContent = '正在保存…';
    try {
      const out = await ctx.deps.api.setOrgLiaison(org.id, { liaison_id: liaisonId, pinned: liaisonId !== null && pin.checked });
      ctx.st.busy = false;
      if (out.changed) {
        ctx.deps.onLiaisonChanged(org.id);
        await ctx.deps.liaisons(true).catch(() => []);
      }
      if (ctx.st.shownId === org.id) await ctx.show(org.id, out.changed ? '包联关系已更新' : '包联关系未变化', true);
    } catch (e2) {
      ctx.st.busy = false;
      submit.disabled = false;
      submit.textContent = '保存包联';
      const failure = orgActionFailure(e2, ['liaison_id', 'pinned']);
      if (failure.field) err.textContent = failure.message;
      else message.textContent = failure.message;
      console.warn('gridgis: assigning a liaison failed', e2);
    }
  });
  return f;
}

function logList(ctx: PanelCtx, orgId: number): HTMLElement {
  const wrap = el('div', 'contact-log');
  const list = el('ol', 'timeline');
  const fill = () => {
    list.replaceChildren();
    for (const entry of ctx.st.log) {
      const line = contactLine(entry);
      const item = el('li', `tl-item tone-${entry.kind === 'visit' ? 'done' : 'normal'}`);
      item.dataset.kind = entry.kind;
      item.dataset.contactId = String(entry.id);
      const top = el('div', 'tl-top');
      top.append(el('strong', 'tl-what', line.kind), el('span', 'tl-actor', line.who), el('time', 'tl-at', formatDateTime(entry.at)));
      item.append(top, el('p', 'tl-note', line.note));
      list.append(item);
    }
  };
  fill();
  if (ctx.st.log.length === 0) {
    wrap.append(el('p', 'muted', '暂无联系走访记录'));
    return wrap;
  }
  wrap.append(list);
  if (ctx.st.next) {
    const more = button('link-button more', '加载更多', async () => {
      more.disabled = true;
      try {
        const page = await ctx.deps.api.contacts(orgId, { next: ctx.st.next });
        if (ctx.st.shownId !== orgId) return;
        ctx.st.log = [...ctx.st.log, ...page.contacts];
        ctx.st.next = page.next;
        fill();
        if (!ctx.st.next) more.remove();
      } catch (err) {
        console.warn('gridgis: loading more contacts failed', err);
      } finally {
        more.disabled = false;
      }
    });
    wrap.append(more);
  }
  return wrap;
}
