// Popup content, built as DOM nodes with textContent so that names coming
// from the database can never inject markup.

/** A label and its value, one line of a popup, with an optional badge after the value. */
export type PopupRow = readonly [label: string, value: string, badge?: { text: string; tone: string }];

export interface PopupContent {
  title: string;
  /** A small coloured tag beside the title, e.g. the organization kind. */
  badge?: { text: string; color: string };
  rows: readonly PopupRow[];
  /** Buttons under the rows, e.g. 上报诉求. */
  actions?: readonly PopupAction[];
}

export interface PopupAction {
  label: string;
  /** A stable name for tests and styling. */
  name: string;
  /** A quieter, outlined button (the main action stays filled). */
  secondary?: boolean;
  onClick(): void;
}

export function renderPopup(content: PopupContent): HTMLElement {
  const root = document.createElement('div');
  root.className = 'popup';

  const head = document.createElement('div');
  head.className = 'popup-head';
  const title = document.createElement('h3');
  title.className = 'popup-title';
  title.textContent = content.title;
  head.append(title);
  if (content.badge) {
    const badge = document.createElement('span');
    badge.className = 'popup-badge';
    badge.textContent = content.badge.text;
    badge.style.setProperty('--badge-color', content.badge.color);
    head.append(badge);
  }
  root.append(head);

  const list = document.createElement('dl');
  list.className = 'popup-rows';
  for (const [label, value, badge] of content.rows) {
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.textContent = value;
    if (badge) {
      const b = document.createElement('span');
      b.className = `row-badge tone-${badge.tone}`;
      b.textContent = badge.text;
      dd.append(' ', b);
    }
    list.append(dt, dd);
  }
  root.append(list);
  if (content.actions && content.actions.length > 0) {
    const bar = document.createElement('div');
    bar.className = 'popup-actions';
    for (const a of content.actions) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = a.secondary ? 'popup-action secondary' : 'popup-action';
      b.dataset.action = a.name;
      b.textContent = a.label;
      b.addEventListener('click', () => a.onClick());
      bar.append(b);
    }
    root.append(bar);
  }
  return root;
}
