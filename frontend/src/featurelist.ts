// 本视图中的诉求与组织: the requests and organizations drawn in the map's
// view, as a list the keyboard can reach (one Tab stop; arrow keys move
// through it; Enter opens the item as a click on the map would). Requests
// come first, most urgent first; then organizations, nearest the centre
// first, keeping at least half the list.
import { el } from './dom';
import { kindLabel, slaLabel, statusLabel } from './i18n';
import { SLA_MARKS } from './layers/requests';
import type { PinMark } from './layers/pins';
import { KIND_COLORS, SLA_COLORS, UNKNOWN_KIND_COLOR } from './theme';
import type { OrgKind } from './api';

/** How many items the list shows at most: zoom in for the others. */
export const FEATURE_LIMIT = 40;

export interface FeatureEntry {
  type: 'request' | 'org';
  id: number;
  /** The request's title or the organization's name. */
  title: string;
  /** Under the title: a request's state and organization, an organization's kind. */
  detail: string;
  /** The request's SLA state, or the organization's kind. */
  tone: string;
  /** Squared distance from the map's centre, in screen pixels. */
  distance: number;
}

export interface DrawnRequest {
  id: number;
  title: string;
  org_name: string;
  status: string;
  sla: string;
  at: { x: number; y: number };
}

export interface DrawnOrg {
  id: number;
  name: string;
  kind: string;
  at: { x: number; y: number };
}

const urgency: Record<string, number> = { red: 0, yellow: 1, green: 2 };

/** The entries for what is drawn, in list order, at most `limit` of them. */
export function featureEntries(
  requests: readonly DrawnRequest[],
  orgs: readonly DrawnOrg[],
  centre: { x: number; y: number },
  limit = FEATURE_LIMIT,
): FeatureEntry[] {
  const d2 = (p: { x: number; y: number }) => (p.x - centre.x) ** 2 + (p.y - centre.y) ** 2;
  const byId = <T extends { id: number }>(items: readonly T[]) => [...new Map(items.map((i) => [i.id, i])).values()];
  const rq: FeatureEntry[] = byId(requests)
    .map((r) => ({ type: 'request' as const, id: r.id, title: r.title, detail: `${slaLabel(r.sla)} · ${statusLabel(r.status)} · ${r.org_name}`, tone: r.sla, distance: d2(r.at) }))
    .sort((a, b) => (urgency[a.tone] ?? 3) - (urgency[b.tone] ?? 3) || a.distance - b.distance || a.id - b.id);
  const og: FeatureEntry[] = byId(orgs)
    .map((o) => ({ type: 'org' as const, id: o.id, title: o.name, detail: kindLabel(o.kind), tone: o.kind, distance: d2(o.at) }))
    .sort((a, b) => a.distance - b.distance || a.id - b.id);
  // Organizations keep at least half the list when there are many requests.
  const requestRoom = Math.max(Math.ceil(limit / 2), limit - og.length);
  return [...rq.slice(0, requestRoom), ...og].slice(0, limit);
}

const SVG = 'http://www.w3.org/2000/svg';

/** A small request pin as drawn on the map (for the legend and lists). */
export function pinIcon(sla: string): SVGSVGElement {
  const color = SLA_COLORS[sla as keyof typeof SLA_COLORS] ?? UNKNOWN_KIND_COLOR;
  const mark: PinMark = SLA_MARKS[sla as keyof typeof SLA_MARKS] ?? 'none';
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 20 28');
  svg.setAttribute('class', 'pin-icon');
  svg.setAttribute('aria-hidden', 'true');
  const shape = (name: string, attrs: Record<string, string>) => {
    const node = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    svg.append(node);
  };
  shape('path', { d: 'M10 27.5 3.2 16.4A9 9 0 1 1 16.8 16.4Z', fill: color, stroke: '#fff', 'stroke-width': '1.5' });
  if (mark === 'dot') shape('circle', { cx: '10', cy: '10', r: '3.4', fill: '#fff' });
  if (mark === 'clock') shape('path', { d: 'M10 5.4a4.6 4.6 0 1 1 0 9.2a4.6 4.6 0 1 1 0-9.2M10 7v3h2.4', fill: 'none', stroke: '#fff', 'stroke-width': '1.6', 'stroke-linecap': 'round' });
  if (mark === 'alert') {
    shape('path', { d: 'M10 5.4v5.6', stroke: '#fff', 'stroke-width': '2.6', 'stroke-linecap': 'round' });
    shape('circle', { cx: '10', cy: '14.2', r: '1.4', fill: '#fff' });
  }
  return svg;
}

export interface FeatureListHandlers {
  onOpen(entry: FeatureEntry, item: HTMLButtonElement): void;
}

/**
 * Fills the list with entries, keeping the keyboard's place: the item that
 * had the focus (or was the Tab stop) stays so if it is still listed.
 */
export function renderFeatureList(list: HTMLElement, entries: readonly FeatureEntry[], handlers: FeatureListHandlers): void {
  const key = (e: { type: string; id: number }) => `${e.type}:${e.id}`;
  const focused = list.contains(document.activeElement) ? (document.activeElement as HTMLElement).dataset.key : undefined;
  const stop = list.querySelector<HTMLElement>('[tabindex="0"]')?.dataset.key;
  const items: HTMLButtonElement[] = [];
  for (const e of entries) {
    const b = el('button', 'feature-item');
    b.type = 'button';
    b.dataset.key = key(e);
    b.dataset.type = e.type;
    b.dataset.id = String(e.id);
    b.tabIndex = -1;
    let mark: Element;
    if (e.type === 'request') {
      mark = pinIcon(e.tone);
    } else {
      mark = el('span', 'dot');
      (mark as HTMLElement).style.setProperty('--dot', KIND_COLORS[e.tone as OrgKind] ?? UNKNOWN_KIND_COLOR);
    }
    const names = el('span', 'feature-names');
    names.append(el('span', 'feature-title', e.title), el('span', 'feature-detail', `${e.type === 'request' ? '诉求' : '组织'} · ${e.detail}`));
    b.append(mark, names);
    b.addEventListener('click', () => handlers.onOpen(e, b));
    el('li').append(b);
    items.push(b);
  }
  list.replaceChildren(...items.map((b) => b.parentElement!));
  const again = items.find((b) => b.dataset.key === focused) ?? items.find((b) => b.dataset.key === stop) ?? items[0];
  if (again) again.tabIndex = 0;
  if (focused && again) again.focus({ preventScroll: true });
}

/** Arrow keys, Home and End move through the list (a single Tab stop). */
export function listKeys(list: HTMLElement): (e: KeyboardEvent) => void {
  return (e) => {
    const items = [...list.querySelectorAll<HTMLButtonElement>('.feature-item')];
    const at = items.indexOf(document.activeElement as HTMLButtonElement);
    if (at < 0) return;
    const next = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: items.length - 1 }[e.key];
    if (next === undefined || next < 0 || next >= items.length) return;
    e.preventDefault();
    items[at].tabIndex = -1;
    items[next].tabIndex = 0;
    items[next].focus();
  };
}
