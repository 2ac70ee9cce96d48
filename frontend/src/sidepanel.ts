// The side panel (index.html #detail): one view at a time — a request, the
// report form, an organization's liaison and contact log, or the
// rebalancing planner. A view claims the panel; the view it replaces is
// told to let go, so it stops reloading into a panel it no longer owns.
// The close button and Escape close whichever view is showing.
import { byId } from './dom';

/** A view that can take the side panel. */
export interface PanelOwner {
  /** The panel was closed or another view took it: forget what was shown. */
  release(): void;
  /** True while a submission is in flight: Escape does not close then. */
  busy?(): boolean;
}

export interface SidePanel {
  readonly root: HTMLElement;
  readonly body: HTMLElement;
  /**
   * Shows the panel for owner with a heading, letting the previous owner
   * go; view names what it shows, for styling and tests (data-view).
   */
  claim(owner: PanelOwner, view: string, title: string): void;
  /** Whether owner has the panel now. */
  owns(owner: PanelOwner): boolean;
  /** Closes the panel (its owner lets go). */
  close(): void;
  destroy(): void;
}

export function createSidePanel(): SidePanel {
  const root = byId<HTMLElement>('detail');
  const layout = root.parentElement!;
  const heading = byId<HTMLElement>('detail-heading');
  const body = byId<HTMLElement>('detail-body');
  const closeButton = byId<HTMLButtonElement>('detail-close');
  let owner: PanelOwner | null = null;

  function close(): void {
    const was = owner;
    owner = null;
    was?.release();
    root.hidden = true;
    layout.classList.remove('with-detail');
    delete root.dataset.view;
    body.replaceChildren();
  }

  const onClose = () => close();
  closeButton.addEventListener('click', onClose);
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape' && !root.hidden && !owner?.busy?.()) close();
  };
  document.addEventListener('keydown', onKey);

  return {
    root,
    body,
    claim(next, view, title) {
      if (owner !== next) {
        const was = owner;
        owner = next;
        was?.release();
        body.replaceChildren();
      }
      heading.textContent = title;
      root.dataset.view = view;
      root.hidden = false;
      layout.classList.add('with-detail');
    },
    owns: (o) => owner === o,
    close,
    destroy() {
      close();
      closeButton.removeEventListener('click', onClose);
      document.removeEventListener('keydown', onKey);
    },
  };
}
