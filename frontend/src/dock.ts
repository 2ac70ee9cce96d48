// A dock over the lower part of the map (统计, 覆盖率): its opening and
// closing with the tool button and the close button, the map kept clear of
// its height, and the legend of the grid choropleth it paints. The views
// fill it; this keeps the two docks behaving alike.
import { byId, el } from './dom';
import { NO_DATA_COLOR } from './layers/choropleth';
import type { ChoroplethClass } from './stats';

export interface DockHooks {
  /** The dock opened (its height in pixels) or closed (0). */
  onLayout(height: number): void;
  /** Clears the map's choropleth when the dock closes. */
  onChoropleth(entries: null): void;
  /** Clears the test hook's state when the dock closes. */
  onState(state: null): void;
  /** Before the dock shows: another dock makes way, the contents are built. */
  opening(): void;
  /** The dock shows and the map knows its height: render or load. */
  opened(): void;
  /** Before the dock hides: pending loads are dropped. */
  closing(): void;
}

export interface Dock {
  /** The dock, #name in index.html. */
  root: HTMLElement;
  /** Its contents, #name-body. */
  body: HTMLElement;
  open(): void;
  close(): void;
  isOpen(): boolean;
  /** Closes the dock, lets go of the buttons and empties it. */
  destroy(): void;
}

/**
 * createDock wires the dock #name with its close button #name-close and its
 * tool button #tool-name. The hooks are called only on open and close, so
 * they may use what the view sets up after this call.
 */
export function createDock(name: string, hooks: DockHooks): Dock {
  const root = byId<HTMLElement>(name);
  const layout = root.parentElement!;
  const body = byId<HTMLElement>(`${name}-body`);
  const closeButton = byId<HTMLButtonElement>(`${name}-close`);
  const toolButton = byId<HTMLButtonElement>(`tool-${name}`);

  let observer: ResizeObserver | null = null;

  function open(): void {
    hooks.opening();
    root.hidden = false;
    layout.classList.add('with-stats');
    toolButton.setAttribute('aria-pressed', 'true');
    observer ??= new ResizeObserver(() => hooks.onLayout(root.hidden ? 0 : root.offsetHeight));
    observer.observe(root);
    hooks.onLayout(root.offsetHeight);
    hooks.opened();
  }

  function close(): void {
    if (root.hidden) return;
    hooks.closing();
    root.hidden = true;
    layout.classList.remove('with-stats');
    toolButton.setAttribute('aria-pressed', 'false');
    observer?.disconnect();
    hooks.onChoropleth(null);
    hooks.onLayout(0);
    hooks.onState(null);
  }

  const onClose = () => close();
  closeButton.addEventListener('click', onClose);
  const onTool = () => (root.hidden ? open() : close());
  toolButton.addEventListener('click', onTool);

  return {
    root,
    body,
    open,
    close,
    isOpen: () => !root.hidden,
    destroy() {
      close();
      observer?.disconnect();
      closeButton.removeEventListener('click', onClose);
      toolButton.removeEventListener('click', onTool);
      body.replaceChildren();
    },
  };
}

export interface LegendSpec {
  /** What the map shows, e.g. 结案率. */
  label: string;
  /** Marks the figure （越低越好）. */
  lowIsBetter: boolean;
  classes: readonly ChoroplethClass[];
  /** A class bound as the legend writes it. */
  value(x: number): string;
  /** The label of the no-data colour. */
  noData: string;
}

/** choroplethLegend is the choropleth's legend: the figure, its classes and the colour of no data. */
export function choroplethLegend(spec: LegendSpec): HTMLElement {
  const box = el('div', 'stats-legend-box');
  box.append(el('span', 'stats-legend-title', `地图：${spec.label}${spec.lowIsBetter ? '（越低越好）' : ''}`));
  const list = el('ul', 'stats-legend-list');
  const entry = (color: string, label: string) => {
    const li = el('li');
    const sw = el('span', 'swatch');
    sw.style.setProperty('--swatch', color);
    li.append(sw, el('span', '', label));
    list.append(li);
  };
  const { classes, value: v } = spec;
  if (classes.length === 1) entry(classes[0].color, v(classes[0].from));
  else for (const c of classes) entry(c.color, `${v(c.from)} – ${v(c.to)}`);
  entry(NO_DATA_COLOR, spec.noData);
  box.append(list);
  return box;
}
