// The search box's logic, apart from the page: what a query is, what the
// server's answer holds, how results group by kind, what a key does, and
// the debounced, cancelling runner that asks the server. The box itself
// (controllers/search.ts) only draws this and moves the map.
import type { BBox } from './api';

export type SearchKind = 'org' | 'request' | 'liaison' | 'grid';

export interface SearchResult {
  kind: SearchKind;
  id: number;
  label: string;
  sublabel: string;
  match: 'exact' | 'prefix' | 'contains';
  /** [lon, lat] to fly to; null for an organization not yet located. */
  point: [number, number] | null;
  /** The extent to fit (a grid's), else null. */
  bbox: BBox | null;
}

/** The kinds in the order the server groups them, with their headings. */
export const SEARCH_KINDS: readonly { kind: SearchKind; label: string }[] = [
  { kind: 'org', label: '企业 / 组织' },
  { kind: 'request', label: '诉求' },
  { kind: 'liaison', label: '联络员' },
  { kind: 'grid', label: '网格' },
];

/** As the server: at most 100 characters. */
export const MAX_QUERY = 100;
/** Results per kind asked for. */
export const SEARCH_LIMIT = 5;
/** As the server (grid.MinContainsRunes): a shorter query matches beginnings only. */
export const MIN_CONTAINS = 3;
/** Typing pauses this long before a search goes out. */
export const DEBOUNCE_MS = 250;

/** The query to send for what is typed: trimmed, runs of spaces as one; null for nothing. */
export function searchQuery(raw: string): string | null {
  const q = raw.trim().split(/\s+/).join(' ');
  if (!q) return null;
  return Array.from(q).slice(0, MAX_QUERY).join('');
}

const kinds = new Set<string>(SEARCH_KINDS.map((k) => k.kind));

function coords(v: unknown, n: number): number[] | null {
  if (!Array.isArray(v) || v.length !== n || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) return null;
  return v as number[];
}

/** The results of a /search answer; entries that are not results are left out. */
export function parseSearchResults(body: unknown): SearchResult[] {
  const list = (body as { results?: unknown } | null)?.results;
  if (!Array.isArray(list)) return [];
  const out: SearchResult[] = [];
  for (const r of list as Record<string, unknown>[]) {
    if (!r || typeof r !== 'object' || !kinds.has(String(r.kind)) || typeof r.id !== 'number' || typeof r.label !== 'string') continue;
    const match = r.match === 'exact' || r.match === 'prefix' ? r.match : 'contains';
    out.push({
      kind: r.kind as SearchKind,
      id: r.id,
      label: r.label,
      sublabel: typeof r.sublabel === 'string' ? r.sublabel : '',
      match,
      point: coords(r.point, 2) as [number, number] | null,
      bbox: coords(r.bbox, 4) as BBox | null,
    });
  }
  return out;
}

export interface SearchGroup {
  kind: SearchKind;
  label: string;
  /** Each result with its place in the flat list the arrow keys walk. */
  items: { result: SearchResult; index: number }[];
}

/** The results grouped by kind, in SEARCH_KINDS order; the flat index runs through the groups. */
export function groupResults(results: readonly SearchResult[]): SearchGroup[] {
  const groups: SearchGroup[] = [];
  let index = 0;
  for (const { kind, label } of SEARCH_KINDS) {
    const items = results.filter((r) => r.kind === kind).map((result) => ({ result, index: 0 }));
    if (items.length === 0) continue;
    for (const item of items) item.index = index++;
    groups.push({ kind, label, items });
  }
  return groups;
}

/** The results in the order the list shows them (the groups' flat order). */
export function listOrder(results: readonly SearchResult[]): SearchResult[] {
  return groupResults(results).flatMap((g) => g.items.map((i) => i.result));
}

export type KeyAction = { type: 'move'; index: number } | { type: 'choose'; index: number } | { type: 'close' } | { type: 'none' };

/**
 * What a key does in the box (ARIA combobox): arrows move through the
 * options (wrapping; Down opens a closed list at the first), Home/End jump,
 * Enter chooses the active option (or the first), Esc closes.
 */
export function keyAction(key: string, active: number, count: number, open: boolean): KeyAction {
  switch (key) {
    case 'ArrowDown':
      if (count === 0) return { type: 'none' };
      return { type: 'move', index: !open || active < 0 ? 0 : (active + 1) % count };
    case 'ArrowUp':
      if (count === 0) return { type: 'none' };
      return { type: 'move', index: !open || active < 0 ? count - 1 : (active - 1 + count) % count };
    case 'Home':
    case 'End':
      if (!open || count === 0) return { type: 'none' };
      return { type: 'move', index: key === 'Home' ? 0 : count - 1 };
    case 'Enter':
      if (count === 0) return { type: 'none' };
      return { type: 'choose', index: active >= 0 && active < count ? active : 0 };
    case 'Escape':
      return { type: 'close' };
  }
  return { type: 'none' };
}

/** What the box says under the input: searching, nothing found, or a failure. */
export function searchMessage(state: SearchState): string {
  switch (state.phase) {
    case 'searching':
      return '正在搜索…';
    case 'done':
      if (state.results.length > 0) return `找到 ${state.results.length} 项`;
      // 1–2 characters are looked up at the beginning of names only: a
      // company remembered by its 字号 (博创) may well exist.
      const n = Array.from(state.query).length;
      if (n < MIN_CONTAINS) {
        return `没有以“${state.query}”开头的名称；名称中间的字请至少输入 ${MIN_CONTAINS} 个字（再输入 ${MIN_CONTAINS - n} 个字试试）`;
      }
      return `未找到与“${state.query}”相关的企业、诉求、联络员或网格`;
    case 'failed':
      return `搜索失败：${state.error}`;
  }
  return '';
}

export type SearchState =
  | { phase: 'idle' }
  | { phase: 'searching'; query: string }
  | { phase: 'done'; query: string; results: SearchResult[] }
  | { phase: 'failed'; query: string; error: string };

export type SearchFetch = (q: string, signal: AbortSignal) => Promise<SearchResult[]>;

/**
 * Asks the server as the user types: after a pause of DEBOUNCE_MS, one
 * search at a time; a newer query cancels the older one, whose answer is
 * never shown.
 */
export class SearchRunner {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private inflight: AbortController | null = null;
  private last: string | null = null;

  constructor(
    private readonly fetchResults: SearchFetch,
    private readonly onState: (s: SearchState) => void,
    private readonly delay = DEBOUNCE_MS,
  ) {}

  /** The input changed to raw. */
  input(raw: string): void {
    const q = searchQuery(raw);
    if (q === this.last) return;
    this.cancel();
    this.last = q;
    if (q === null) {
      this.onState({ phase: 'idle' });
      return;
    }
    this.timer = setTimeout(() => void this.run(q), this.delay);
  }

  /** Searches now (Enter before the pause ended). */
  flush(): Promise<void> | void {
    if (this.timer === null || this.last === null) return;
    clearTimeout(this.timer);
    this.timer = null;
    return this.run(this.last);
  }

  /** Whether a search is waiting for its pause or its answer. */
  get pending(): boolean {
    return this.timer !== null || this.inflight !== null;
  }

  /** Stops what is waiting or under way, and forgets the last query. */
  reset(): void {
    this.cancel();
    this.last = null;
  }

  private cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.inflight?.abort();
    this.inflight = null;
  }

  private async run(q: string): Promise<void> {
    this.timer = null;
    const ctl = new AbortController();
    this.inflight = ctl;
    this.onState({ phase: 'searching', query: q });
    try {
      const results = await this.fetchResults(q, ctl.signal);
      if (ctl.signal.aborted) return;
      this.onState({ phase: 'done', query: q, results: listOrder(results) });
    } catch (err) {
      if (ctl.signal.aborted) return;
      const e = err as { detail?: string; message?: string };
      this.onState({ phase: 'failed', query: q, error: e.detail || e.message || String(err) });
    } finally {
      if (this.inflight === ctl) this.inflight = null;
    }
  }
}
