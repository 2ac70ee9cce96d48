// The side panel: the grid list (doubling as legend) and the organization
// kinds with their counts and visibility toggles.
import type { GridFeature } from './api';
import { el } from './dom';
import { kindLabel, orgKinds, slaLabel, text } from './i18n';
import { LIAISON_COLOR } from './layers/liaisons';
import { OVERDUE_COLORS, kindColor } from './layers/organizations';
import { SLA_ORDER } from './layers/requests';
import { pinIcon } from './featurelist';
import { gridListOrder } from './scope';

export interface LegendData {
  grids: readonly GridFeature[];
  colors: ReadonlyMap<number, string>;
  /** Organizations per kind; null when the map does not hold them all (a large scope): no counts shown. */
  kindCounts: ReadonlyMap<string, number> | null;
  /** The signed-in officer's grids: listed first and tagged 我的网格. */
  ownGridIds: ReadonlySet<number>;
  /** What the map holds for this user, e.g. "全园区". */
  scopeNote: string;
  /** Open requests per SLA colour. */
  requestCounts: ReadonlyMap<string, number>;
  /** Organizations overdue for a contact or visit; the highlight toggle shows with them. */
  overdue?: { contact: number; visit: number; any: number };
  /** Whether the highlight is on. */
  overdueOn?: boolean;
  /** Offer the 包联关系 layer (liaison bases and assignment lines). */
  liaisons?: boolean;
  liaisonsOn?: boolean;
}

export interface LegendHandlers {
  onGridSelect(id: number): void;
  onGridHover(id: number | null): void;
  onKindsChange(visible: ReadonlySet<string>): void;
  onSlaChange(visible: ReadonlySet<string>): void;
  onOverdueChange?(on: boolean): void;
  onLiaisonsChange?(on: boolean): void;
}

function section(title: string, body: HTMLElement): HTMLElement {
  const s = el('section', 'legend-section');
  s.append(el('h2', 'legend-title', title), body);
  return s;
}

function gridList(data: LegendData, handlers: LegendHandlers): HTMLElement {
  const list = el('ul', 'grid-list');
  for (const g of gridListOrder(data.grids, data.ownGridIds)) {
    const mine = data.ownGridIds.has(g.id);
    const button = el('button', mine ? 'grid-item mine' : 'grid-item');
    button.type = 'button';
    button.dataset.gridId = String(g.id);
    button.title = `${g.properties.name}（${g.properties.code}）`;
    const swatch = el('span', 'swatch');
    swatch.style.setProperty('--swatch', data.colors.get(g.id) ?? '#adb5bd');
    const names = el('span', 'grid-names');
    const name = el('span', 'grid-name-line');
    name.append(el('span', 'grid-name', g.properties.name));
    if (mine) name.append(el('span', 'mine-tag', text.mine));
    names.append(name, el('span', 'grid-meta', g.properties.officer ? `网格员 ${g.properties.officer}` : g.properties.industry));
    button.append(swatch, names, el('span', 'count', `${g.properties.org_count}`));
    button.addEventListener('click', () => handlers.onGridSelect(g.id));
    button.addEventListener('mouseenter', () => handlers.onGridHover(g.id));
    button.addEventListener('mouseleave', () => handlers.onGridHover(null));
    const item = el('li');
    item.append(button);
    list.append(item);
  }
  return list;
}

function kindList(data: LegendData, handlers: LegendHandlers): HTMLElement {
  const list = el('ul', 'kind-list');
  const kinds = [...orgKinds, ...[...(data.kindCounts?.keys() ?? [])].filter((k) => !orgKinds.includes(k as never))];
  const visible = new Set<string>(kinds);
  for (const kind of kinds) {
    const label = el('label', 'kind-item');
    const box = el('input');
    box.type = 'checkbox';
    box.checked = true;
    box.value = kind;
    box.addEventListener('change', () => {
      if (box.checked) visible.add(kind);
      else visible.delete(kind);
      handlers.onKindsChange(new Set(visible));
    });
    const dot = el('span', 'dot');
    dot.style.setProperty('--dot', kindColor(kind));
    label.append(box, dot, el('span', 'kind-name', kindLabel(kind)), el('span', 'count', data.kindCounts ? `${data.kindCounts.get(kind) ?? 0} ${text.orgUnit}` : ''));
    const item = el('li');
    item.append(label);
    list.append(item);
  }
  return list;
}

function slaList(data: LegendData, handlers: LegendHandlers): HTMLElement {
  const list = el('ul', 'kind-list sla-list');
  const visible = new Set<string>(SLA_ORDER);
  for (const sla of SLA_ORDER) {
    const label = el('label', 'kind-item');
    const box = el('input');
    box.type = 'checkbox';
    box.checked = true;
    box.value = sla;
    box.addEventListener('change', () => {
      if (box.checked) visible.add(sla);
      else visible.delete(sla);
      handlers.onSlaChange(new Set(visible));
    });
    // The pin as the map draws it: shape and inner mark say "request" and its state, not colour alone.
    const count = el('span', 'count', text.items(data.requestCounts.get(sla) ?? 0));
    count.dataset.sla = sla;
    label.append(box, pinIcon(sla), el('span', 'kind-name', slaLabel(sla)), count);
    const item = el('li');
    item.append(label);
    list.append(item);
  }
  return list;
}

/** Updates the request counts after a live event, keeping the toggles as they are. */
export function updateRequestCounts(root: HTMLElement, counts: ReadonlyMap<string, number>): void {
  let total = 0;
  for (const span of root.querySelectorAll<HTMLElement>('.sla-list .count')) {
    const n = counts.get(span.dataset.sla ?? '') ?? 0;
    total += n;
    span.textContent = text.items(n);
  }
  const title = root.querySelector<HTMLElement>('.sla-section .legend-title');
  if (title) title.textContent = `${text.request.layerSection}（${total}）`;
}

/** A toggle line with a dot, a name and a count. */
function toggle(name: string, label: string, color: string, on: boolean, count: string, onChange: (on: boolean) => void, ring = false): HTMLElement {
  const item = el('label', 'kind-item');
  const box = el('input');
  box.type = 'checkbox';
  box.checked = on;
  box.name = name;
  box.addEventListener('change', () => onChange(box.checked));
  const dot = el('span', ring ? 'dot ring-dot' : 'dot');
  dot.style.setProperty('--dot', color);
  const c = el('span', 'count', count);
  c.dataset.count = name;
  item.append(box, dot, el('span', 'kind-name', label), c);
  const li = el('li');
  li.append(item);
  return li;
}

function contactSection(data: LegendData, handlers: LegendHandlers): HTMLElement | null {
  const list = el('ul', 'kind-list contact-list');
  if (data.overdue && handlers.onOverdueChange) {
    list.append(toggle('overdue', '突出显示超期组织', OVERDUE_COLORS.visit, Boolean(data.overdueOn), `${data.overdue.any} ${text.orgUnit}`, handlers.onOverdueChange, true));
    const detail = el('li', 'legend-detail');
    detail.dataset.count = 'overdue-detail';
    detail.textContent = overdueDetail(data.overdue);
    list.append(detail);
  }
  if (data.liaisons && handlers.onLiaisonsChange) {
    list.append(toggle('liaisons', '包联关系（联络员驻点与连线）', LIAISON_COLOR, Boolean(data.liaisonsOn), '', handlers.onLiaisonsChange));
  }
  if (list.children.length === 0) return null;
  const s = section('联系走访与包联', list);
  s.classList.add('contact-section');
  return s;
}

function overdueDetail(o: { contact: number; visit: number }): string {
  return `超期未联系 ${o.contact} 家 · 超期未走访 ${o.visit} 家`;
}

/** Updates the overdue counts after a live event, keeping the toggles as they are. */
export function updateOverdueCounts(root: HTMLElement, o: { contact: number; visit: number; any: number }): void {
  const any = root.querySelector<HTMLElement>('[data-count="overdue"]');
  if (any) any.textContent = `${o.any} ${text.orgUnit}`;
  const detail = root.querySelector<HTMLElement>('[data-count="overdue-detail"]');
  if (detail) detail.textContent = overdueDetail(o);
}

function scopeBox(note: string): HTMLElement {
  const box = el('p', 'scope-note');
  box.append(el('span', 'scope-label', text.scope), el('span', 'scope-value', note));
  return box;
}

export function renderLegend(root: HTMLElement, data: LegendData, handlers: LegendHandlers): void {
  const total = SLA_ORDER.reduce((n, c) => n + (data.requestCounts.get(c) ?? 0), 0);
  const requests = section(`${text.request.layerSection}（${total}）`, slaList(data, handlers));
  requests.classList.add('sla-section');
  const contacts = contactSection(data, handlers);
  root.replaceChildren(
    scopeBox(data.scopeNote),
    section(`${text.gridsSection}（${data.grids.length}）`, gridList(data, handlers)),
    requests,
    ...(contacts ? [contacts] : []),
    section(text.kindsSection, kindList(data, handlers)),
  );
}

/** Marks the grid list entry of the selected grid. */
export function markSelectedGrid(root: HTMLElement, id: number | null): void {
  for (const b of root.querySelectorAll<HTMLButtonElement>('.grid-item')) {
    b.classList.toggle('selected', b.dataset.gridId === String(id));
  }
}
