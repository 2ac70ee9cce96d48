// The 待办诉求 tab: the open requests the user must act on, most urgent
// first (overdue, then in their last 20 %, then in time), then those they
// may only follow (a liaison's 待交办 or handed to someone else: splitTodo).
// Clicking one opens it in the side panel and flies the map to it.
import type { RequestFeature } from './api';
import { el } from './dom';
import { statusLabel, text, topicLabel } from './i18n';
import { slaSummary } from './requests';

export function renderTodo(
  root: HTMLElement,
  todo: { mine: readonly RequestFeature[]; others: readonly RequestFeature[] },
  now: number,
  onOpen: (r: RequestFeature) => void,
): void {
  if (todo.mine.length === 0 && todo.others.length === 0) {
    root.replaceChildren(el('p', 'legend-empty', text.request.todoEmpty));
    return;
  }
  const parts: HTMLElement[] = [
    todo.mine.length > 0 ? el('p', 'todo-hint', text.request.todoHint) : el('p', 'legend-empty', text.request.todoEmpty),
    todoList(todo.mine, now, onOpen, false),
  ];
  // What the user may see but someone else acts on: below, and not counted.
  if (todo.others.length > 0) parts.push(el('p', 'todo-hint todo-others-hint', text.request.todoOthers), todoList(todo.others, now, onOpen, true));
  root.replaceChildren(...parts);
}

function todoList(requests: readonly RequestFeature[], now: number, onOpen: (r: RequestFeature) => void, others: boolean): HTMLElement {
  const list = el('ul', others ? 'todo-list todo-others' : 'todo-list');
  for (const r of requests) {
    const p = r.properties;
    const sla = slaSummary(p, now);
    const item = el('button', others ? 'todo-item other' : 'todo-item');
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
  return list;
}

/** Marks the request shown in the side panel. */
export function markSelectedTodo(root: HTMLElement, id: number | null): void {
  for (const b of root.querySelectorAll<HTMLButtonElement>('.todo-item')) {
    b.classList.toggle('selected', b.dataset.requestId === String(id));
  }
}
