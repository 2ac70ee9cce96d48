// Small notices over the map's lower left corner for live updates. They
// go away by themselves; one about a request opens it when clicked.
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

export function createToaster(container: HTMLElement, onOpen: (requestId: number) => void): Toaster {
  const timers = new Map<HTMLElement, number>();
  const remove = (node: HTMLElement) => {
    window.clearTimeout(timers.get(node));
    timers.delete(node);
    node.remove();
  };
  return {
    show(message) {
      const node = el('div', 'toast');
      node.append(el('span', 'toast-dot'), el('span', 'toast-text', message.text));
      if (message.requestId !== undefined) {
        const id = message.requestId;
        node.classList.add('clickable');
        node.dataset.requestId = String(id);
        node.tabIndex = 0;
        node.setAttribute('role', 'button');
        node.title = '查看诉求详情';
        const go = () => {
          remove(node);
          onOpen(id);
        };
        node.addEventListener('click', go);
        node.addEventListener('keydown', (e) => {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            go();
          }
        });
      }
      // A newer word on the same request replaces the older one.
      for (const old of container.querySelectorAll<HTMLElement>('.toast')) {
        if (message.requestId !== undefined && old.dataset.requestId === String(message.requestId)) remove(old);
      }
      container.append(node);
      timers.set(node, window.setTimeout(() => remove(node), SHOW_MS));
      while (container.children.length > MAX_VISIBLE) remove(container.firstElementChild as HTMLElement);
    },
    texts: () => [...container.querySelectorAll('.toast-text')].map((n) => n.textContent ?? ''),
    clear() {
      for (const node of [...timers.keys()]) remove(node);
      container.replaceChildren();
    },
  };
}
