// The 待办诉求 tab: the open requests in the user's scope, most urgent
// first (overdue, then in their last 20 %, then in time). Clicking one
// opens it in the side panel and flies the map to it.
import type { RequestFeature } from './api';
import { el } from './dom';
import { statusLabel, text, topicLabel } from './i18n';
import { slaSummary, todoOrder } from './requests';

export function renderTodo(root: HTMLElement, requests: readonly RequestFeature[], now: number, onOpen: (r: RequestFeature) => void): void {
  const ordered = todoOrder(requests);
  if (ordered.length === 0) {
    root.replaceChildren(el('p', 'legend-empty', text.request.todoEmpty));
    return;
  }
  const list = el('ul', 'todo-list');
  for (const r of ordered) {
    const p = r.properties;
    const sla = slaSummary(p, now);
    const item = el('button', 'todo-item');
    item.type = 'button';
    item.dataset.requestId = String(r.id);
    item.dataset.sla = p.sla;
    const top = el('span', 'todo-top');
    top.append(el('span', 'todo-title', p.title), el('span', `rq-status status-${p.status}`, statusLabel(p.status)));
    const meta = el('span', 'todo-meta', `${p.org_name} · ${topicLabel(p.topic)}`);
    const due = el('span', 'todo-due', sla.detail);
    due.dataset.tone = sla.tone;
    item.append(el('span', 'todo-dot'), top, meta, due);
    item.title = `${p.title}（${p.org_name}）`;
    item.addEventListener('click', () => onOpen(r));
    const li = el('li');
    li.append(item);
    list.append(li);
  }
  root.replaceChildren(el('p', 'todo-hint', text.request.todoHint), list);
}

/** Marks the request shown in the side panel. */
export function markSelectedTodo(root: HTMLElement, id: number | null): void {
  for (const b of root.querySelectorAll<HTMLButtonElement>('.todo-item')) {
    b.classList.toggle('selected', b.dataset.requestId === String(id));
  }
}
