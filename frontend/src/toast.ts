// Small notices over the map for live updates. Most go away by themselves;
// a 催办 (or a 改派 to the reader) stays until dismissed or opened, since
// the officer's note is the point of it. The words wrap: nothing is cut.
// One about a request or an organization opens it when tapped; every
// notice is also kept in the message centre.
import { el } from './dom';
import type { ToastMessage } from './live';

/** Toasts shown at once; older ones make room. */
const MAX_VISIBLE = 3;
const SHOW_MS = 8000;

export interface Toaster {
  show(message: ToastMessage): void;
  /** The texts on screen now (for the browser test). */
  texts(): string[];
  clear(): void;
}

/** What a toast opens. */
export type ToastTarget = { requestId: number } | { orgId: number };

export function createToaster(container: HTMLElement, onOpen: (target: ToastTarget) => void): Toaster {
  const timers = new Map<HTMLElement, number>();
  const remove = (node: HTMLElement) => {
    window.clearTimeout(timers.get(node));
    timers.delete(node);
    node.remove();
  };
  return {
    show(message) {
      const node = el('div', 'toast');
      const target: ToastTarget | null =
        message.requestId !== undefined ? { requestId: message.requestId } : message.orgId !== undefined ? { orgId: message.orgId } : null;
      const words = el(target ? 'button' : 'span', 'toast-body');
      words.append(el('span', 'toast-dot'), el('span', 'toast-text', message.text));
      node.append(words);
      if (target) {
        const b = words as HTMLButtonElement;
        b.type = 'button';
        b.title = 'requestId' in target ? '查看诉求详情' : '查看组织详情';
        node.classList.add('clickable');
        if ('requestId' in target) node.dataset.requestId = String(target.requestId);
        else node.dataset.orgId = String(target.orgId);
        node.addEventListener('click', (e) => {
          if ((e.target as Element).closest('.toast-close')) return;
          remove(node);
          onOpen(target);
        });
      }
      if (message.sticky) {
        node.classList.add('sticky');
        const close = el('button', 'toast-close', '×');
        close.type = 'button';
        close.setAttribute('aria-label', '关闭提醒');
        close.title = '关闭';
        close.addEventListener('click', () => remove(node));
        node.append(close);
      }
      // A newer word on the same request replaces the older one.
      for (const old of container.querySelectorAll<HTMLElement>('.toast')) {
        if (message.requestId !== undefined && old.dataset.requestId === String(message.requestId)) remove(old);
      }
      container.append(node);
      if (!message.sticky) timers.set(node, window.setTimeout(() => remove(node), SHOW_MS));
      // Too many: the oldest passing ones make room first, then the oldest.
      while (container.children.length > MAX_VISIBLE) {
        const passing = [...container.querySelectorAll<HTMLElement>('.toast:not(.sticky)')].find((n) => n !== node);
        remove(passing ?? (container.firstElementChild as HTMLElement));
      }
    },
    texts: () => [...container.querySelectorAll('.toast-text')].map((n) => n.textContent ?? ''),
    clear() {
      for (const node of [...timers.keys()]) remove(node);
      container.replaceChildren();
    },
  };
}
