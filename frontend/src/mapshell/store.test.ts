import { describe, expect, it } from 'vitest';
import { createStore } from './store';

describe('createStore', () => {
  it('calls the listeners of the keys that changed, in subscription order', () => {
    const store = createStore({ a: 1, b: 'x', c: null as number | null });
    const calls: string[] = [];
    store.subscribe(['a'], (s, changed) => calls.push(`a:${s.a}:${[...changed].join(',')}`));
    store.subscribe(['b', 'c'], (s) => calls.push(`bc:${s.b}:${s.c}`));
    store.subscribe(null, () => calls.push('all'));
    store.set({ a: 2 });
    store.set({ b: 'y', c: 3 });
    expect(calls).toEqual(['a:2:a', 'all', 'bc:y:3', 'all']);
  });

  it('ignores a set that changes nothing', () => {
    const store = createStore({ a: 1 });
    let n = 0;
    store.subscribe(null, () => n++);
    store.set({ a: 1 });
    store.set({});
    expect(n).toBe(0);
    expect(store.get().a).toBe(1);
  });

  it('stops calling a listener once unsubscribed, even during a notification', () => {
    const store = createStore({ a: 0 });
    const seen: number[] = [];
    let off2 = () => {};
    store.subscribe(['a'], (s) => {
      seen.push(s.a);
      off2();
    });
    off2 = store.subscribe(['a'], (s) => seen.push(-s.a));
    store.set({ a: 1 }); // the second listener was already in this round
    store.set({ a: 2 });
    expect(seen).toEqual([1, -1, 2]);
  });

  it('sees a change made by a listener', () => {
    const store = createStore({ a: 0, b: 0 });
    store.subscribe(['a'], (s) => store.set({ b: s.a * 10 }));
    store.set({ a: 4 });
    expect(store.get()).toEqual({ a: 4, b: 40 });
  });
});
