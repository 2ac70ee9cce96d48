// Sortable planner tables: rows ordered by one column, totals kept at the
// foot, the worst figure of a column marked. The pure order is sortRows;
// sortableHead turns a table head cell into the button that asks for it.
import { el } from './dom';

export type SortDir = 'asc' | 'desc';

export interface SortState {
  key: string;
  dir: SortDir;
}

export type SortValue = number | string | null;

/**
 * The rows ordered by value: a figure without a value (no denominator)
 * last whichever the direction, ties in their given order, and pinned rows
 * (the totals) after all the others as given.
 */
export function sortRows<T>(rows: readonly T[], value: (r: T) => SortValue, dir: SortDir, pinned: (r: T) => boolean = () => false): T[] {
  const sign = dir === 'asc' ? 1 : -1;
  const body = rows.map((r, i) => ({ r, i, v: value(r) })).filter((x) => !pinned(x.r));
  body.sort((a, b) => {
    if (a.v === null || b.v === null) return a.v === b.v ? a.i - b.i : a.v === null ? 1 : -1;
    const c = typeof a.v === 'number' && typeof b.v === 'number' ? a.v - b.v : String(a.v).localeCompare(String(b.v), 'zh-CN');
    return c !== 0 ? sign * c : a.i - b.i;
  });
  return [...body.map((x) => x.r), ...rows.filter(pinned)];
}

/** A click on a column: the other direction of the same column, or the new column in its first direction. */
export function nextSort(current: SortState | null, key: string, firstDir: SortDir): SortState {
  if (current?.key === key) return { key, dir: current.dir === 'asc' ? 'desc' : 'asc' };
  return { key, dir: firstDir };
}

/**
 * The rows holding a column's worst figure (the lowest where higher is
 * better, the highest where lower is): every row tied for it, none when
 * fewer than two rows have a figure or all are equal.
 */
export function worstRows<T>(rows: readonly T[], value: (r: T) => number | null, better: 'high' | 'low', pinned: (r: T) => boolean = () => false): Set<T> {
  const valued = rows.filter((r) => !pinned(r) && value(r) !== null);
  const values = valued.map((r) => value(r) as number);
  if (values.length < 2) return new Set();
  const worst = better === 'high' ? Math.min(...values) : Math.max(...values);
  const best = better === 'high' ? Math.max(...values) : Math.min(...values);
  if (worst === best) return new Set();
  return new Set(valued.filter((r) => value(r) === worst));
}

/** What a screen reader and the tooltip say of the worst figure. */
export function worstLabel(better: 'high' | 'low'): string {
  return better === 'high' ? '最低' : '最高（越低越好）';
}

/** The word shown on a worst figure (最低 or 最高), so the mark is not colour alone. */
export function worstWord(better: 'high' | 'low'): string {
  return worstLabel(better).slice(0, 2);
}

/**
 * A head cell whose label is a button sorting by key: aria-sort on the
 * cell tells the order, an arrow shows it.
 */
export function sortableHead(label: string, key: string, state: SortState | null, onSort: (key: string) => void, className = ''): HTMLTableCellElement {
  const th = el('th', `${className} sortable`.trim());
  th.scope = 'col';
  th.dataset.sort = key;
  const on = state?.key === key ? state.dir : null;
  th.setAttribute('aria-sort', on === 'asc' ? 'ascending' : on === 'desc' ? 'descending' : 'none');
  const b = el('button', 'sort-button');
  b.type = 'button';
  // The arrow is a picture of aria-sort: screen readers hear the cell's sort state instead.
  const arrow = el('span', 'sort-arrow', on === 'asc' ? '▲' : on === 'desc' ? '▼' : '↕');
  arrow.setAttribute('aria-hidden', 'true');
  b.append(el('span', '', label), arrow);
  b.title = on === 'asc' ? `按${label}升序，点击改为降序` : on === 'desc' ? `按${label}降序，点击改为升序` : `按${label}排序`;
  b.addEventListener('click', () => onSort(key));
  th.append(b);
  return th;
}
