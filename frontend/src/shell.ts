// The signed-in page around the map (index.html #app): top bar with status
// line and account, side panel. Also switches between the boot, login and
// map screens.
import { byId } from './dom';
import { hook, type View } from './hook';
import { roleLabel, text } from './i18n';
import { badgeText, titleWithUnread } from './messages';
import type { User } from './session';
import { installTopbarFit } from './topbarfit';
import { keepNoticesInView } from './confirmview';


export const shell = {
  boot: byId<HTMLElement>('boot'),
  login: byId<HTMLElement>('login'),
  app: byId<HTMLElement>('app'),
  status: byId<HTMLElement>('status'),
  legend: byId<HTMLElement>('legend'),
  map: byId<HTMLElement>('map'),
  panel: byId<HTMLElement>('panel'),
  panelToggle: byId<HTMLButtonElement>('panel-toggle'),
  avatar: byId<HTMLElement>('account-avatar'),
  accountName: byId<HTMLElement>('account-name'),
  accountRole: byId<HTMLElement>('account-role'),
  signOut: byId<HTMLButtonElement>('sign-out'),
  tabLegend: byId<HTMLButtonElement>('tab-legend'),
  tabTodo: byId<HTMLButtonElement>('tab-todo'),
  legendPane: byId<HTMLElement>('tabpanel-legend'),
  todo: byId<HTMLElement>('todo'),
  todoCount: byId<HTMLElement>('todo-count'),
  toasts: byId<HTMLElement>('toasts'),
  detail: byId<HTMLElement>('detail'),
  toolStats: byId<HTMLButtonElement>('tool-stats'),
  toolRebalance: byId<HTMLButtonElement>('tool-rebalance'),
  toolCoverage: byId<HTMLButtonElement>('tool-coverage'),
  stats: byId<HTMLElement>('stats'),
  coverage: byId<HTMLElement>('coverage'),
  toolTodo: byId<HTMLButtonElement>('tool-todo'),
  todoTopCount: byId<HTMLElement>('todo-top-count'),
  todoTopOverdue: byId<HTMLElement>('todo-top-overdue'),
  toolMessages: byId<HTMLButtonElement>('tool-messages'),
  messagesCount: byId<HTMLElement>('messages-count'),
  messages: byId<HTMLElement>('messages'),
  messagesList: byId<HTMLUListElement>('messages-list'),
  messagesClose: byId<HTMLButtonElement>('messages-close'),
};

installTopbarFit({
  bar: document.querySelector<HTMLElement>('#app .topbar')!,
  nav: document.querySelector<HTMLElement>('nav.tools')!,
  more: byId<HTMLElement>('tools-more'),
  moreButton: byId<HTMLButtonElement>('tool-more'),
  menu: byId<HTMLElement>('tools-menu'),
  last: document.querySelector<HTMLElement>('#app .account')!,
});

keepNoticesInView(byId<HTMLElement>('detail-body'));

/** Phone layout: the panel is a bottom sheet (the same width as responsive.css). */
export function isPhone(): boolean {
  return window.matchMedia('(max-width: 760px)').matches;
}

/** Shows the top bar's buttons for the views this user has: 统计, 覆盖率, 包联优化. */
export function showTools(tools: { stats: boolean; rebalance: boolean; coverage?: boolean }): void {
  shell.toolStats.hidden = !tools.stats;
  shell.toolRebalance.hidden = !tools.rebalance;
  shell.toolCoverage.hidden = !tools.coverage;
  shell.toolStats.setAttribute('aria-pressed', 'false');
  shell.toolRebalance.setAttribute('aria-pressed', 'false');
  shell.toolCoverage.setAttribute('aria-pressed', 'false');
}

export type PanelTab = 'legend' | 'todo';

/** Shows one of the panel's tabs: 图层 (the legend) or 待办诉求. */
export function setPanelTab(tab: PanelTab): void {
  for (const [t, button, pane] of [
    ['legend', shell.tabLegend, shell.legendPane],
    ['todo', shell.tabTodo, shell.todo],
  ] as const) {
    const on = t === tab;
    button.setAttribute('aria-selected', String(on));
    button.tabIndex = on ? 0 : -1;
    pane.hidden = !on;
  }
  syncTodoButton();
}

/** The open panel tab. */
function panelTab(): PanelTab {
  return shell.tabTodo.getAttribute('aria-selected') === 'true' ? 'todo' : 'legend';
}

/** The top bar's 待办 shows it is open while the 待办诉求 list is on screen. */
function syncTodoButton(): void {
  const shown = panelTab() === 'todo' && (!isPhone() || shell.panel.classList.contains('open'));
  shell.toolTodo.setAttribute('aria-expanded', String(shown));
}

/**
 * The top bar's 待办: one tap shows the work queue (on a phone it opens the
 * sheet on it; a second tap closes it).
 */
export function toggleTodo(): void {
  if (isPhone() && shell.panel.classList.contains('open') && panelTab() === 'todo') {
    setPanelOpen(false);
    return;
  }
  setPanelTab('todo');
  setPanelOpen(true);
  shell.todo.scrollIntoView({ block: 'nearest' });
}
shell.toolTodo.addEventListener('click', () => toggleTodo());
shell.tabLegend.addEventListener('click', () => setPanelTab('legend'));
shell.tabTodo.addEventListener('click', () => setPanelTab('todo'));
// Arrow keys move between the tabs, as in any tab list.
for (const b of [shell.tabLegend, shell.tabTodo]) {
  b.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    const next = b === shell.tabLegend ? shell.tabTodo : shell.tabLegend;
    setPanelTab(next === shell.tabLegend ? 'legend' : 'todo');
    next.focus();
  });
}

/** Unread messages, shown in the tab title on the map screen. */
let unreadInTitle = 0;

/** The message centre's unread count: on its button and, as "(N) …", in the tab title. */
export function setUnread(n: number): void {
  unreadInTitle = n;
  shell.messagesCount.textContent = badgeText(n);
  const words = n > 0 ? `消息，${n} 条未读` : '消息';
  shell.toolMessages.setAttribute('aria-label', words);
  shell.toolMessages.title = words;
  if (document.body.dataset.view === 'map') document.title = titleWithUnread(text.appTitle, n);
}

/** Shows one screen and hides the others. */
export function showView(view: View): void {
  shell.boot.hidden = view !== 'boot';
  shell.login.hidden = view !== 'login';
  shell.app.hidden = view !== 'map';
  document.body.dataset.view = view;
  document.title = view === 'login' ? text.loginTitle : titleWithUnread(text.appTitle, unreadInTitle);
  hook.view = view;
}

// On narrow screens the panel is a bottom sheet that this button opens.
export function setPanelOpen(open: boolean): void {
  shell.panel.classList.toggle('open', open);
  shell.panelToggle.setAttribute('aria-expanded', String(open));
  shell.panelToggle.textContent = open ? text.hidePanel : text.showPanel;
  syncTodoButton();
}
// 图例 opens the sheet on the legend; the work queue has its own button.
shell.panelToggle.addEventListener('click', () => {
  const open = shell.panel.classList.contains('open');
  if (!open) setPanelTab('legend');
  setPanelOpen(!open);
});

export type StatusState = 'loading' | 'ok' | 'error';

/** The status line; a failed load gets a retry button that reloads the page. */
export function setStatus(message: string, state: StatusState, tooltip = '', offerReload = state === 'error'): void {
  shell.status.textContent = message;
  shell.status.dataset.state = state;
  shell.status.title = tooltip;
  if (offerReload) {
    const retry = document.createElement('button');
    retry.type = 'button';
    retry.className = 'status-retry';
    retry.textContent = text.retry;
    retry.addEventListener('click', () => window.location.reload());
    shell.status.append(retry);
  }
}

/** The top bar's 待办 count: the open requests in the user's scope, red when any is overdue. */
export function setTodoCount(open: number, overdue: number): void {
  shell.todoTopCount.textContent = String(open);
  shell.todoTopCount.dataset.overdue = String(overdue);
  shell.todoTopCount.dataset.count = String(open);
  // In words too, not by colour alone (hidden on phones, where the label says it).
  shell.todoTopOverdue.textContent = overdue > 0 ? `超期 ${overdue}` : '';
  shell.todoTopOverdue.hidden = overdue === 0;
  const words = overdue > 0 ? `待办诉求 ${open} 件，其中超期 ${overdue} 件` : `待办诉求 ${open} 件`;
  shell.toolTodo.setAttribute('aria-label', words);
  shell.toolTodo.title = words;
}

/** Fills the top bar's account block: who is signed in and as what. */
export function showAccount(user: User): void {
  // The first character of a Chinese name is the family name, the usual
  // avatar stand-in in Chinese admin systems.
  shell.avatar.textContent = Array.from(user.display_name)[0] ?? '';
  shell.accountName.textContent = user.display_name;
  shell.accountRole.textContent = roleLabel(user.role);
  shell.accountRole.dataset.role = user.role;
  shell.accountName.title = `${user.display_name}（${user.username}）`;
  shell.signOut.disabled = false;
  shell.signOut.textContent = text.signOut;
}

/** Resets the panel and status line to how they are before any data. */
export function resetShell(): void {
  setPanelOpen(false);
  showTools({ stats: false, rebalance: false });
  shell.stats.hidden = true;
  shell.coverage.hidden = true;
  shell.stats.parentElement?.classList.remove('with-stats');
  setPanelTab('legend');
  shell.todo.replaceChildren();
  shell.todoCount.textContent = '';
  setTodoCount(0, 0);
  shell.messages.hidden = true;
  shell.messagesList.replaceChildren();
  setUnread(0);
  shell.toasts.replaceChildren();
  setStatus(text.loading, 'loading');
  const empty = document.createElement('p');
  empty.className = 'legend-empty';
  empty.textContent = text.loadingLegend;
  shell.legend.replaceChildren(empty);
}
