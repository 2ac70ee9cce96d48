import { describe, expect, it } from 'vitest';
import { nextSort, sortRows, worstRows, worstWord } from './tablesort';

interface Row {
  name: string;
  v: number | null;
  total?: boolean;
}

const rows: Row[] = [
  { name: '甲', v: 0.5 },
  { name: '乙', v: null },
  { name: '丙', v: 0.2 },
  { name: '合计', v: 0.4, total: true },
  { name: '丁', v: 0.5 },
];
const names = (rs: Row[]) => rs.map((r) => r.name);
const pinned = (r: Row) => Boolean(r.total);

describe('sortRows', () => {
  it('orders by the value, ties as given, no value last, totals at the foot', () => {
    expect(names(sortRows(rows, (r) => r.v, 'asc', pinned))).toEqual(['丙', '甲', '丁', '乙', '合计']);
    expect(names(sortRows(rows, (r) => r.v, 'desc', pinned))).toEqual(['甲', '丁', '丙', '乙', '合计']);
  });
  it('orders text by Chinese collation', () => {
    const byName = sortRows(rows, (r) => r.name, 'asc', pinned);
    expect(byName[byName.length - 1].name).toBe('合计');
    expect(names(byName).slice(0, 4)).toEqual([...['甲', '乙', '丙', '丁']].sort((a, b) => a.localeCompare(b, 'zh-CN')));
  });
  it('leaves its input alone', () => {
    const copy = [...rows];
    sortRows(rows, (r) => r.v, 'desc', pinned);
    expect(rows).toEqual(copy);
  });
});

describe('nextSort', () => {
  it('turns the same column round and starts a new one in its first direction', () => {
    expect(nextSort(null, 'rate', 'asc')).toEqual({ key: 'rate', dir: 'asc' });
    expect(nextSort({ key: 'rate', dir: 'asc' }, 'rate', 'asc')).toEqual({ key: 'rate', dir: 'desc' });
    expect(nextSort({ key: 'rate', dir: 'desc' }, 'gaps', 'desc')).toEqual({ key: 'gaps', dir: 'desc' });
  });
});

describe('worstRows', () => {
  it('marks every row tied for the lowest where higher is better, never a total', () => {
    const rs: Row[] = [{ name: 'a', v: 0.2 }, { name: 'b', v: 0.9 }, { name: 'c', v: 0.2 }, { name: 't', v: 0.1, total: true }];
    expect(names([...worstRows(rs, (r) => r.v, 'high', pinned)])).toEqual(['a', 'c']);
  });
  it('marks the highest where lower is better', () => {
    expect(names([...worstRows(rows, (r) => r.v, 'low', pinned)])).toEqual(['甲', '丁']);
  });
  it('marks nothing when all are equal or only one has a figure', () => {
    expect(worstRows([{ name: 'a', v: 1 }, { name: 'b', v: 1 }], (r) => r.v, 'high').size).toBe(0);
    expect(worstRows([{ name: 'a', v: 1 }, { name: 'b', v: null }], (r) => r.v, 'high').size).toBe(0);
  });
});

describe('worstWord', () => {
  it('names the worst figure in a word: the lowest, or the highest where lower is better', () => {
    expect(worstWord('high')).toBe('最低');
    expect(worstWord('low')).toBe('最高');
  });
});
