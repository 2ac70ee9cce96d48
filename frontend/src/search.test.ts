import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { groupResults, keyAction, listOrder, MAX_QUERY, parseSearchResults, searchMessage, searchQuery, SearchRunner, type SearchResult, type SearchState } from './search';

const r = (kind: SearchResult['kind'], id: number): SearchResult => ({
  kind,
  id,
  label: `${kind}${id}`,
  sublabel: '',
  match: 'contains',
  point: [113, 33],
  bbox: null,
});

describe('searchQuery', () => {
  it('trims, joins runs of spaces and refuses nothing', () => {
    expect(searchQuery('  华创  新 ')).toBe('华创 新');
    expect(searchQuery('   ')).toBeNull();
    expect(searchQuery('')).toBeNull();
  });
  it('keeps at most 100 characters, counting CJK characters as one', () => {
    expect(Array.from(searchQuery('华'.repeat(150)) ?? '').length).toBe(MAX_QUERY);
  });
});

describe('parseSearchResults', () => {
  it('reads results and leaves out what is not one', () => {
    const got = parseSearchResults({
      query: '华创',
      results: [
        { kind: 'org', id: 7, label: '华创公司', sublabel: '9141 · 创业路', match: 'prefix', point: [113.1, 33.2], bbox: null },
        { kind: 'grid', id: 2, label: '新材料网格', sublabel: 'G01', match: 'exact', point: [113, 33], bbox: [112, 32, 114, 34] },
        { kind: 'org', id: 8, label: '未定位', sublabel: '', match: 'contains', point: null, bbox: null },
        { kind: 'parcel', id: 1, label: 'x' },
        { kind: 'org', id: '9', label: 'x' },
        null,
      ],
    });
    expect(got.map((x) => [x.kind, x.id, x.match])).toEqual([
      ['org', 7, 'prefix'],
      ['grid', 2, 'exact'],
      ['org', 8, 'contains'],
    ]);
    expect(got[0].point).toEqual([113.1, 33.2]);
    expect(got[1].bbox).toEqual([112, 32, 114, 34]);
    expect(got[2].point).toBeNull();
    expect(parseSearchResults(null)).toEqual([]);
    expect(parseSearchResults({ results: 'no' })).toEqual([]);
  });
});

describe('groupResults', () => {
  it('groups by kind in a fixed order, numbering the options through the groups', () => {
    const groups = groupResults([r('grid', 1), r('org', 2), r('liaison', 3), r('org', 4), r('request', 5)]);
    expect(groups.map((g) => [g.label, g.items.map((i) => [i.result.id, i.index])])).toEqual([
      ['企业 / 组织', [[2, 0], [4, 1]]],
      ['诉求', [[5, 2]]],
      ['联络员', [[3, 3]]],
      ['网格', [[1, 4]]],
    ]);
    expect(listOrder([r('grid', 1), r('org', 2)]).map((x) => x.id)).toEqual([2, 1]);
  });
});

describe('keyAction', () => {
  it('moves with the arrows, wrapping, and opens a closed list', () => {
    expect(keyAction('ArrowDown', -1, 3, true)).toEqual({ type: 'move', index: 0 });
    expect(keyAction('ArrowDown', 2, 3, true)).toEqual({ type: 'move', index: 0 });
    expect(keyAction('ArrowUp', 0, 3, true)).toEqual({ type: 'move', index: 2 });
    expect(keyAction('ArrowUp', -1, 3, true)).toEqual({ type: 'move', index: 2 });
    expect(keyAction('ArrowDown', 1, 3, false)).toEqual({ type: 'move', index: 0 });
    expect(keyAction('ArrowDown', -1, 0, true)).toEqual({ type: 'none' });
    expect(keyAction('Home', 2, 3, true)).toEqual({ type: 'move', index: 0 });
    expect(keyAction('End', 0, 3, true)).toEqual({ type: 'move', index: 2 });
  });
  it('chooses the active option with Enter, or the first', () => {
    expect(keyAction('Enter', 1, 3, true)).toEqual({ type: 'choose', index: 1 });
    expect(keyAction('Enter', -1, 3, true)).toEqual({ type: 'choose', index: 0 });
    expect(keyAction('Enter', -1, 0, true)).toEqual({ type: 'none' });
  });
  it('closes with Escape and ignores other keys', () => {
    expect(keyAction('Escape', 1, 3, true)).toEqual({ type: 'close' });
    expect(keyAction('a', 1, 3, true)).toEqual({ type: 'none' });
  });
});

describe('searchMessage', () => {
  it('says what is happening in Chinese', () => {
    expect(searchMessage({ phase: 'searching', query: '华创' })).toBe('正在搜索…');
    expect(searchMessage({ phase: 'done', query: '华创新', results: [] })).toContain('未找到与“华创新”相关');
    expect(searchMessage({ phase: 'done', query: '华创', results: [r('org', 1)] })).toBe('找到 1 项');
    expect(searchMessage({ phase: 'failed', query: '华创', error: '网络错误' })).toBe('搜索失败：网络错误');
    expect(searchMessage({ phase: 'idle' })).toBe('');
  });
  it('does not say a 1–2 character query exists nowhere: it matched beginnings only', () => {
    for (const q of ['博创', '博', 'ab']) {
      const m = searchMessage({ phase: 'done', query: q, results: [] });
      expect(m).not.toContain('未找到');
      expect(m).toContain(`没有以“${q}”开头的名称`);
      expect(m).toContain('名称中间的字请至少输入 3 个字');
    }
  });
});

describe('SearchRunner', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('waits for a pause in typing, then asks once for the last query', async () => {
    const asked: string[] = [];
    const states: SearchState[] = [];
    const runner = new SearchRunner(
      async (q) => {
        asked.push(q);
        return [r('grid', 1), r('org', 2)];
      },
      (s) => states.push(s),
      250,
    );
    runner.input('华');
    await vi.advanceTimersByTimeAsync(100);
    runner.input('华创');
    await vi.advanceTimersByTimeAsync(100);
    runner.input('华创新');
    expect(asked).toEqual([]);
    await vi.advanceTimersByTimeAsync(250);
    expect(asked).toEqual(['华创新']);
    expect(states.map((s) => s.phase)).toEqual(['searching', 'done']);
    const done = states[1] as Extract<SearchState, { phase: 'done' }>;
    expect(done.results.map((x) => x.id)).toEqual([2, 1]); // in list order
    // The same query again (a space added) asks nothing.
    runner.input('华创新 ');
    await vi.advanceTimersByTimeAsync(500);
    expect(asked).toEqual(['华创新']);
  });

  it('drops the answer of a query overtaken by a newer one', async () => {
    const resolvers: ((v: SearchResult[]) => void)[] = [];
    const aborted: boolean[] = [];
    const states: SearchState[] = [];
    const runner = new SearchRunner(
      (_q, signal) =>
        new Promise((resolve) => {
          const i = resolvers.length;
          signal.addEventListener('abort', () => (aborted[i] = true));
          resolvers.push(resolve);
        }),
      (s) => states.push(s),
      10,
    );
    runner.input('华创新');
    await vi.advanceTimersByTimeAsync(10);
    runner.input('华创新型');
    expect(aborted[0]).toBe(true);
    await vi.advanceTimersByTimeAsync(10);
    resolvers[0]([r('org', 1)]);
    resolvers[1]([r('org', 2)]);
    await vi.runAllTimersAsync();
    const done = states.filter((s) => s.phase === 'done') as Extract<SearchState, { phase: 'done' }>[];
    expect(done.map((s) => [s.query, s.results[0].id])).toEqual([['华创新型', 2]]);
  });

  it('searches at once on flush, clears on an empty box and reports failures', async () => {
    const states: SearchState[] = [];
    const runner = new SearchRunner(
      async (q) => {
        if (q === '坏') throw { detail: '服务器忙' };
        return [];
      },
      (s) => states.push(s),
      1000,
    );
    runner.input('华创');
    await runner.flush();
    expect(states.map((s) => s.phase)).toEqual(['searching', 'done']);
    runner.input('  ');
    expect(states.at(-1)).toEqual({ phase: 'idle' });
    runner.input('坏');
    await runner.flush();
    expect(states.at(-1)).toEqual({ phase: 'failed', query: '坏', error: '服务器忙' });
  });
});
