// The map shell: the MapLibre map, its popup and the side panel, the shared
// state (a store), and the registry of the docks and panels around them.
// Each dock or panel is a Controller: it is mounted with the shell, told
// when the layers are drawn, and unmounted on sign-out. Controllers talk to
// each other only through the store, the shell's events, and the actions
// one of them provides (openRequest, openOrg, …).
import * as maplibregl from 'maplibre-gl';
import type { Api, BBox, LiaisonFeature, OrgFeature } from '../api';
import { bboxOf } from '../geometry';
import { boxToMap, toMap } from '../layers/sources';
import type { LiveEvent, ToastMessage } from '../live';
import { createMap } from '../map';
import { renderPopup, type PopupContent } from '../popup';
import type { User } from '../session';
import { shell as page } from '../shell';
import { createSidePanel, type SidePanel } from '../sidepanel';
import { MapData } from './data';
import { initialMapState, type MapState } from './state';
import { createStore, type Store } from './store';

export interface Controller {
  /** Builds the controller's parts, wires its buttons, subscribes to the store. */
  mount?(shell: MapShell): void;
  /** The data is loaded and the layers drawn (once). */
  drawn?(): void;
  /** The map has first gone idle with its data: it is ready. */
  idle?(): void;
  /** Lets go of everything (sign-out); called in registration order. */
  unmount?(): void;
}

/** What a batch of live events (or this page's own change) reloaded. */
export interface Reloaded {
  all: boolean;
  orgs: ReadonlySet<number>;
  /** The open request panel should reload too, with this notice. */
  panel: boolean;
  panelNotice?: string;
}

/** A reload to queue: everything, the open requests, one organization, or a live event. */
export interface ReloadRequest {
  all?: boolean;
  requests?: boolean;
  panel?: boolean;
  org?: number;
  event?: { name: string; event: LiveEvent | null };
}

export interface ShellEvents {
  /** The data changed: counts, lists and the status line follow. */
  counts: undefined;
  /** Everything was reloaded and redrawn: the legend is built again. */
  redrawn: undefined;
  /** A live batch was applied. */
  reloaded: Reloaded;
}

/** What one controller offers the others; each is provided by one controller. */
export interface Actions {
  /** Opens a request in the side panel and brings it into view. */
  openRequest(id: number): void;
  /** Opens the report form for an organization. */
  report(org: { id: number; name: string }): void;
  /** The request the side panel shows or loads, or null. */
  panelRequestId(): number | null;
  /** Opens an organization's panel (with a notice) and brings it into view. */
  openOrg(id: number, notice?: string): void;
  /** Starts moving an organization on the map (移动位置). */
  moveOrg(id: number): void;
  /** The organization panel's 企业信息 section for editors, or null; reshow reloads the panel. */
  orgEditSection(org: OrgFeature, reshow: (notice?: string) => void): HTMLElement | null;
  /** Flies to an organization and shows its popup. */
  showOrg(id: number): void;
  /** An organization's popup, with its actions. */
  orgPopup(org: OrgFeature): PopupContent;
  /** Marks a grid picked in the legend's grid list (null: none). */
  selectGrid(id: number | null): void;
  /** Highlights a grid under the pointer (null: none). */
  hoverGrid(id: number | null): void;
  /** Queues a reload (batched with live events). */
  reload(p: ReloadRequest): void;
  /** Marks a change this page made, so its live echo makes no toast. */
  markOwn(type: string, id: number, action: string): void;
  /** Shows (loading first) or hides the liaison bases as the legend and the plan ask. */
  showLiaisonLayer(): Promise<void>;
  /** After an assignment changed: organizations (all: everything), liaisons and their lines again. */
  refreshAssignments(all?: boolean): Promise<void>;
  toast(message: ToastMessage): void;
  /** Keeps a live notice in the message centre. */
  keepMessage(message: ToastMessage): void;
}

export class MapShell {
  readonly map: maplibregl.Map;
  /** Resolves on the map's first "load". */
  readonly loaded: Promise<void>;
  readonly popup = new maplibregl.Popup({ maxWidth: '340px', offset: 8, className: 'gridgis-popup' });
  readonly side: SidePanel;
  readonly store: Store<MapState>;
  /** Aborted when loading failed or the user left: pending requests stop. */
  readonly signal: AbortSignal;
  /** The data on the map: loading, reloading, drawing. */
  readonly data: MapData;
  /** The actions the controllers provide; calling one nobody provides is a bug (a TypeError). */
  readonly act = {} as Actions;
  private readonly loading = new AbortController();
  private readonly controllers: Controller[] = [];
  private readonly handlers: { [K in keyof ShellEvents]?: ((e: ShellEvents[K]) => void)[] } = {};
  private liaisonCache: Promise<LiaisonFeature[]> | null = null;

  constructor(
    readonly api: Api,
    readonly user: User,
  ) {
    ({ map: this.map, loaded: this.loaded } = createMap(page.map));
    this.signal = this.loading.signal;
    this.store = createStore(initialMapState(user));
    this.side = createSidePanel();
    this.data = new MapData(this);
  }

  /** Adds a controller and mounts it. */
  register(c: Controller): void {
    this.controllers.push(c);
    c.mount?.(this);
  }

  /** Offers an action to the other controllers. */
  provide<K extends keyof Actions>(name: K, fn: Actions[K]): void {
    this.act[name] = fn;
  }

  /** Follows an event; handlers run in the order they were added. */
  on<K extends keyof ShellEvents>(name: K, fn: (e: ShellEvents[K]) => void): void {
    (this.handlers[name] ??= [] as never[]).push(fn as never);
  }

  /** Tells the event's handlers (an event without a payload takes no argument). */
  emit<K extends keyof ShellEvents>(name: K, ...[e]: ShellEvents[K] extends undefined ? [] : [ShellEvents[K]]): void {
    for (const fn of this.handlers[name] ?? []) (fn as (e: ShellEvents[K]) => void)(e as ShellEvents[K]);
  }

  /** Tells the controllers the layers are drawn. */
  drawn(): void {
    for (const c of this.controllers) c.drawn?.();
  }

  /** Tells the controllers the map is ready. */
  idle(): void {
    for (const c of this.controllers) c.idle?.();
  }

  get aborted(): boolean {
    return this.signal.aborted;
  }

  /** Stops loading: signing out, or a failed load. */
  abort(): void {
    this.loading.abort();
  }

  /** The liaisons (for the assign and liaison forms), fetched once; fresh fetches again. */
  liaisons(fresh = false): Promise<LiaisonFeature[]> {
    if (fresh) this.liaisonCache = null;
    this.liaisonCache ??= this.api.liaisons(this.signal).catch((err: unknown) => {
      this.liaisonCache = null; // try again next time
      throw err;
    });
    return this.liaisonCache;
  }

  /** Drops the fetched liaisons: the next call fetches them again. */
  forgetLiaisons(): void {
    this.liaisonCache = null;
  }

  /** Opens the popup at a stored (WGS84) position, where the map draws it. */
  showPopup(wgs84: [number, number], content: PopupContent): void {
    this.popup.setLngLat(toMap(this.map, wgs84)).setDOMContent(renderPopup(content)).addTo(this.map);
    // On a phone the status line floats over the map's top: a popup
    // opened under it has its title hidden, so the map moves it clear,
    // once any flight to it has ended.
    const popup = this.popup;
    const clear = (): void => {
      const hidden = popup.isOpen() ? coveredBy(page.status, popup.getElement()) : 0;
      if (hidden > 0) this.map.panBy([0, -hidden], { duration: 200 });
    };
    if (this.map.isMoving()) this.map.once('moveend', clear);
    else clear();
  }

  /** Brings a stored (WGS84) position into view. */
  flyTo(wgs84: [number, number]): void {
    const map = this.map;
    const at = toMap(map, wgs84); // as drawn over the basemap
    const inView = map.getBounds().contains(at);
    // On a phone the panel is a sheet over the lower part: aim above it.
    const sheet = window.matchMedia('(max-width: 760px)').matches && !page.detail.hidden;
    const offset: [number, number] = [0, sheet ? -0.36 * map.getContainer().clientHeight : 0];
    map.easeTo({ center: at, zoom: Math.max(map.getZoom(), 14), offset, duration: inView ? 300 : 700 });
  }

  /** Fits a box into the part of the map the open dock leaves. */
  fitAbove(bbox: BBox): void {
    this.map.fitBounds(
      boxToMap(this.map, bbox),
      { padding: { top: 40, left: 40, right: 40, bottom: this.store.get().dockHeight + 30 }, maxZoom: 16, duration: 500 },
    );
  }

  /** Fits a grid into the part of the map the dock leaves. */
  fitGrid(id: number): void {
    const grid = this.store.get().gridById.get(id);
    const bbox = grid ? bboxOf([grid.geometry]) : null;
    if (bbox) this.fitAbove(bbox);
  }

  /** A dock opened (its height), resized or closed (0): the first opening fits the scope above it. */
  dockLayout(h: number): void {
    const { dockHeight, scope } = this.store.get();
    const opened = dockHeight === 0 && h > 0;
    this.store.set({ dockHeight: h });
    if (opened && scope?.focus) this.fitAbove(scope.focus);
  }

  /** Unmounts the controllers, then the side panel, popup and map. */
  destroy(): void {
    this.abort();
    for (const c of this.controllers) c.unmount?.();
    this.side.destroy();
    this.popup.remove();
    this.map.remove();
  }
}

/** How far over the top of el the floating element over reaches (0: not at all). */
export function coveredBy(over: HTMLElement, el: HTMLElement | undefined): number {
  if (!el || getComputedStyle(over).position !== 'fixed') return 0;
  const a = over.getBoundingClientRect();
  const b = el.getBoundingClientRect();
  const apart = a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top;
  return apart ? 0 : Math.ceil(a.bottom - b.top) + 8;
}
