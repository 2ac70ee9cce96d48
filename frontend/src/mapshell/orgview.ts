// The organizations of a large scope (layers/orgtiles.ts): after each move
// of the map (debounced), the organization tiles covering the view give the
// clusters and how many organizations the view holds; when that is at most
// VIEW_LIMIT, the organizations in view are loaded by bbox into the
// ordinary organization layer, where popups, the overdue rings, the kind
// filter, editing and the side lists work as on a small zone. (A scope
// threshold below VIEW_LIMIT lowers it too: no more organizations are loaded
// at once than an ordinary scope holds.)
import type { Map as MapLibreMap } from 'maplibre-gl';
import type { Api, BBox, OrgFeature } from '../api';
import { problemOf } from '../api';
import { fromMap } from '../layers/sources';
import { VIEW_LIMIT, countInBox, decodeOrgTile, setClusterCells, tileZoom, tilesCovering, type OrgCell, type TileId } from '../layers/orgtiles';

/** What the view shows: clusters of cells, or the organizations themselves. */
export type OrgViewMode = 'clusters' | 'orgs';

export interface OrgViewState {
  mode: OrgViewMode;
  /** Organizations in view, by the tiles' counts (or as loaded). */
  inView: number;
  /** Organization tiles answered so far. */
  tiles: number;
  /** Organizations in the user's scope (the grids list's org_total). */
  total: number;
  /** The view is being loaded (a move is pending or its answers on their way). */
  loading: boolean;
}

/** Tiles kept decoded, most recent last. */
const TILE_CACHE = 600;
/** Low-zoom tiles are expensive requests: the server runs two per user at once. */
const LOW_ZOOM = 12;
const LOW_ZOOM_AT_ONCE = 2;
const AT_ONCE = 6;
/** Wait after the map stops before asking. */
const DEBOUNCE_MS = 150;

interface TileEntry {
  cells: Promise<OrgCell[]>;
  abort: AbortController;
  done: boolean;
}

export class OrgView {
  readonly state: OrgViewState = { mode: 'clusters', inView: 0, tiles: 0, total: 0, loading: false };
  private readonly cache = new Map<string, TileEntry>();
  private timer = 0;
  private seq = 0;
  private running = 0;
  private readonly queue: (() => void)[] = [];
  /** The box whose organizations are all loaded (orgs mode), or null, and those organizations. */
  private loadedBox: BBox | null = null;
  private loaded: OrgFeature[] = [];
  private viewAbort: AbortController | null = null;
  private readonly onMove = () => this.schedule();

  constructor(
    private readonly map: MapLibreMap,
    private readonly api: Api,
    private readonly signal: AbortSignal,
    /** The organizations in view (null while clusters are shown; undefined: unchanged), and what the view shows. */
    private readonly show: (orgs: OrgFeature[] | null | undefined, state: OrgViewState) => void,
    /** The most organizations loaded one by one. */
    private readonly limit = VIEW_LIMIT,
  ) {}

  start(): void {
    this.map.on('moveend', this.onMove);
    this.signal.addEventListener('abort', () => this.stop(), { once: true });
    this.schedule();
  }

  stop(): void {
    this.map.off('moveend', this.onMove);
    window.clearTimeout(this.timer);
    this.viewAbort?.abort();
    for (const t of this.cache.values()) t.abort.abort();
    this.cache.clear();
  }

  /** Forgets every tile and loaded box (the data changed): the next move asks again. */
  forget(): void {
    for (const t of this.cache.values()) t.abort.abort();
    this.cache.clear();
    this.loadedBox = null;
  }

  /** Forgets every tile and loaded box (the data changed) and loads the view again. */
  refresh(): void {
    for (const t of this.cache.values()) t.abort.abort();
    this.cache.clear();
    this.loadedBox = null;
    this.schedule(0);
  }

  private schedule(delay = DEBOUNCE_MS): void {
    window.clearTimeout(this.timer);
    this.state.loading = true;
    this.timer = window.setTimeout(() => {
      const seq = this.seq + 1;
      void this.update()
        .catch((err: unknown) => this.failed(err))
        .finally(() => {
          if (seq === this.seq) this.state.loading = false;
        });
    }, delay);
  }

  private failed(err: unknown): void {
    if ((err as { name?: string }).name === 'AbortError' || this.signal.aborted) return;
    console.warn('gridgis: loading the organizations in view failed', err);
  }

  /** The view as a WGS84 box. */
  private viewBox(): BBox {
    const b = this.map.getBounds();
    const sw = fromMap(this.map, [b.getWest(), b.getSouth()]);
    const ne = fromMap(this.map, [b.getEast(), b.getNorth()]);
    return [sw[0], sw[1], ne[0], ne[1]];
  }

  private async update(): Promise<void> {
    if (this.signal.aborted) return;
    const seq = ++this.seq;
    this.viewAbort?.abort();
    const box = this.viewBox();
    // Zoomed or panned inside what is loaded: every organization in view is there already.
    if (this.state.mode === 'orgs' && this.loadedBox && inside(box, this.loadedBox)) {
      const inView = this.loaded.filter((o) => o.geometry && pointIn(o.geometry.coordinates, box)).length;
      this.publish(undefined, { mode: 'orgs', inView });
      return;
    }
    const ids = tilesCovering(box, tileZoom(this.map.getZoom()));
    const wanted = new Set(ids.map(key));
    // Tiles of an earlier view still on their way are not wanted any more.
    for (const [k, t] of this.cache) {
      if (!t.done && !wanted.has(k)) {
        t.abort.abort();
        this.cache.delete(k);
      }
    }
    const cells = (await Promise.all(ids.map((id) => this.tile(id)))).flat();
    if (seq !== this.seq || this.signal.aborted) return;
    const inView = countInBox(cells, box);
    if (inView > this.limit) {
      this.loadedBox = null;
      this.loaded = [];
      setClusterCells(this.map, cells);
      this.publish(null, { mode: 'clusters', inView });
      return;
    }
    const abort = new AbortController();
    this.viewAbort = abort;
    const stop = () => abort.abort();
    this.signal.addEventListener('abort', stop, { once: true });
    try {
      const orgs = inView === 0 ? [] : await this.api.organizations({ bbox: box, signal: abort.signal });
      if (seq !== this.seq || abort.signal.aborted) return;
      this.loadedBox = box;
      this.loaded = orgs;
      setClusterCells(this.map, []);
      this.publish(orgs, { mode: 'orgs', inView: orgs.length });
    } finally {
      this.signal.removeEventListener('abort', stop);
    }
  }

  private publish(orgs: OrgFeature[] | null | undefined, s: Pick<OrgViewState, 'mode' | 'inView'>): void {
    this.state.mode = s.mode;
    this.state.inView = s.inView;
    this.show(orgs, this.state);
  }

  /** One tile's cells, from the cache or the server. */
  private tile(id: TileId): Promise<OrgCell[]> {
    const k = key(id);
    const hit = this.cache.get(k);
    if (hit) {
      // Most recently used last.
      this.cache.delete(k);
      this.cache.set(k, hit);
      return hit.cells;
    }
    const abort = new AbortController();
    const entry: TileEntry = { abort, done: false, cells: Promise.resolve([]) };
    entry.cells = this.slot(id.z < LOW_ZOOM ? LOW_ZOOM_AT_ONCE : AT_ONCE, () => this.fetchTile(id, abort.signal)).then(
      (cells) => {
        entry.done = true;
        this.state.tiles++;
        return cells;
      },
      (err: unknown) => {
        if (this.cache.get(k) === entry) this.cache.delete(k);
        throw err;
      },
    );
    this.cache.set(k, entry);
    while (this.cache.size > TILE_CACHE) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.delete(oldest);
    }
    return entry.cells;
  }

  private async fetchTile(id: TileId, signal: AbortSignal): Promise<OrgCell[]> {
    const url = `/api/v1/tiles/organizations/${id.z}/${id.x}/${id.y}.mvt`;
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted || this.signal.aborted) throw new DOMException('aborted', 'AbortError');
      const res = await fetch(url, { signal: AbortSignal.any([signal, this.signal]), credentials: 'same-origin' });
      if (res.status === 204) return [];
      // Busy (too many expensive requests at once): wait as told, a few times.
      if (res.status === 429 && attempt < 3) {
        const wait = Number(res.headers.get('Retry-After') ?? 2) * 1000;
        await new Promise((r) => setTimeout(r, wait));
        continue;
      }
      if (!res.ok) throw await problemOf(res);
      return decodeOrgTile(new Uint8Array(await res.arrayBuffer()), id);
    }
  }

  /** Runs fn when fewer than `limit` tile requests are running. */
  private slot<T>(limit: number, fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const run = () => {
        this.running++;
        fn()
          .then(resolve, reject)
          .finally(() => {
            this.running--;
            this.queue.shift()?.();
          });
      };
      if (this.running < limit) run();
      else this.queue.push(run);
    });
  }
}

function key(t: TileId): string {
  return `${t.z}/${t.x}/${t.y}`;
}

function pointIn(p: number[], b: BBox): boolean {
  return p[0] >= b[0] && p[0] <= b[2] && p[1] >= b[1] && p[1] <= b[3];
}

/** Whether box a lies inside box b. */
export function inside(a: BBox, b: BBox): boolean {
  return a[0] >= b[0] && a[1] >= b[1] && a[2] <= b[2] && a[3] <= b[3];
}
