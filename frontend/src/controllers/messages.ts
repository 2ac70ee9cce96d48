// The message centre: the top bar's 消息 button with its unread count (also
// in the tab title), and the list of recent live notices under it. Opening
// the list marks them read; tapping one opens its request or organization.
import { el } from '../dom';
import type { Controller, MapShell } from '../mapshell/mapshell';
import { MessageStore, messageTime, messagesKey, seenOnArrival, type Message } from '../messages';
import { setUnread, shell as page } from '../shell';

export function messagesController(): Controller {
  let shell: MapShell;
  let store: MessageStore;
  let unsubscribe = () => {};
  /** Marking read is not news: the open list keeps showing which were new. */
  let marking = false;

  function markRead(): void {
    marking = true;
    store.markAllRead();
    marking = false;
  }

  function storage(): Storage | null {
    try {
      return window.sessionStorage;
    } catch {
      return null; // storage refused: the list lives as long as the page
    }
  }

  function isOpen(): boolean {
    return !page.messages.hidden;
  }

  function render(): void {
    const items = store.list();
    if (items.length === 0) {
      const empty = el('li', 'messages-empty', '暂无消息。诉求交办、催办、状态变化和联系走访会实时出现在这里。');
      page.messagesList.replaceChildren(empty);
      return;
    }
    const now = Date.now();
    page.messagesList.replaceChildren(...items.map((m) => item(m, now)));
  }

  function item(m: Message, now: number): HTMLLIElement {
    const li = el('li', 'message');
    li.dataset.read = String(m.read);
    const opens = m.requestId !== undefined || m.orgId !== undefined;
    const body = el(opens ? 'button' : 'div', 'message-body');
    if (opens) {
      const b = body as HTMLButtonElement;
      b.type = 'button';
      b.addEventListener('click', () => openTarget(m));
      if (m.requestId !== undefined) li.dataset.requestId = String(m.requestId);
      else li.dataset.orgId = String(m.orgId);
    }
    body.append(el('span', 'message-text', m.text), el('span', 'message-time', messageTime(m.at, now)));
    if (!m.read) body.append(el('span', 'visually-hidden', '（未读）'));
    li.append(body);
    return li;
  }

  function openTarget(m: Message): void {
    setOpen(false, false);
    if (m.requestId !== undefined) shell.act.openRequest(m.requestId);
    else if (m.orgId !== undefined) shell.act.openOrg(m.orgId);
  }

  /** Opens the list (showing which were new, then marking them read) or closes it. */
  function setOpen(open: boolean, refocus = true): void {
    if (open === isOpen()) return;
    page.messages.hidden = !open;
    page.toolMessages.setAttribute('aria-expanded', String(open));
    if (open) {
      render();
      markRead();
      (page.messagesList.querySelector<HTMLElement>('.message-body, .messages-empty') ?? page.messagesClose).focus({ preventScroll: true });
      if (!page.messagesList.querySelector('button')) page.messagesClose.focus();
    } else if (refocus) page.toolMessages.focus();
  }

  const onToggle = () => setOpen(!isOpen());
  const onClose = () => setOpen(false);
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape' && isOpen()) {
      e.stopPropagation();
      setOpen(false);
    }
  };
  // Back to the tab with the list open: what arrived meanwhile is seen now
  // (it was rendered unread, so the list shows which were new).
  const onVisible = () => {
    if (seenOnArrival(isOpen(), document.visibilityState) && store.unread() > 0) markRead();
  };
  const onDocClick = (e: MouseEvent) => {
    const t = e.target as Node;
    if (isOpen() && !page.messages.contains(t) && !page.toolMessages.contains(t)) setOpen(false, false);
  };

  return {
    mount(s) {
      shell = s;
      store = new MessageStore(storage(), messagesKey(s.user.id));
      unsubscribe = store.subscribe(() => {
        setUnread(store.unread());
        if (!isOpen() || marking) return;
        render();
        // Seen at once with the list open, unless the tab is in the background.
        if (seenOnArrival(true, document.visibilityState)) markRead();
      });
      setUnread(store.unread());
      s.provide('keepMessage', (m) => void store.add({ text: m.text, requestId: m.requestId, orgId: m.orgId }));
      page.toolMessages.addEventListener('click', onToggle);
      page.messagesClose.addEventListener('click', onClose);
      document.addEventListener('keydown', onKey, true);
      document.addEventListener('click', onDocClick);
      document.addEventListener('visibilitychange', onVisible);
    },
    unmount() {
      unsubscribe();
      setOpen(false, false);
      page.toolMessages.removeEventListener('click', onToggle);
      page.messagesClose.removeEventListener('click', onClose);
      document.removeEventListener('keydown', onKey, true);
      document.removeEventListener('click', onDocClick);
      document.removeEventListener('visibilitychange', onVisible);
    },
  };
}
