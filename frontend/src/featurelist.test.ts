import { describe, expect, it } from 'vitest';
import { FEATURE_LIMIT, featureEntries } from './featurelist';

const centre = { x: 100, y: 100 };
const req = (id: number, sla: string, x: number) => ({ id, title: `诉求${id}`, org_name: `企业${id}`, status: 'in_progress', sla, at: { x, y: 100 } });
const org = (id: number, x: number) => ({ id, name: `组织${id}`, kind: 'social', at: { x, y: 100 } });

describe('featureEntries', () => {
  it('lists requests first, most urgent first, then organizations nearest the centre first', () => {
    const entries = featureEntries([req(1, 'green', 100), req(2, 'red', 300), req(3, 'yellow', 100), req(4, 'red', 110)], [org(7, 400), org(8, 101)], centre);
    expect(entries.map((e) => `${e.type}:${e.id}`)).toEqual(['request:4', 'request:2', 'request:3', 'request:1', 'org:8', 'org:7']);
  });

  it('says what each item is in words, not colour alone', () => {
    const [r, o] = featureEntries([req(2, 'red', 100)], [org(8, 100)], centre);
    expect(r.detail).toBe('超期 · 整改中 · 企业2');
    expect(o.detail).toBe('社会组织');
  });

  it('lists each feature once (a feature split across tiles comes back twice) and at most the limit', () => {
    const orgs = Array.from({ length: FEATURE_LIMIT + 5 }, (_, i) => org(i + 1, 100 + i));
    const entries = featureEntries([req(1, 'red', 0), req(1, 'red', 0)], [...orgs, org(1, 100)], centre);
    expect(entries.length).toBe(FEATURE_LIMIT);
    expect(entries.filter((e) => e.type === 'request').length).toBe(1);
    expect(new Set(entries.map((e) => `${e.type}:${e.id}`)).size).toBe(FEATURE_LIMIT);
  });
});

describe('featureEntries with many requests', () => {
  it('keeps half the list for organizations', () => {
    const requests = Array.from({ length: FEATURE_LIMIT }, (_, i) => req(i + 1, 'red', 100));
    const entries = featureEntries(requests, [org(1, 100), org(2, 100)], centre);
    expect(entries.filter((e) => e.type === 'org').length).toBe(2);
    expect(entries.length).toBe(FEATURE_LIMIT);
    const many = featureEntries(requests, Array.from({ length: FEATURE_LIMIT }, (_, i) => org(i + 1, 100)), centre);
    expect(many.filter((e) => e.type === 'request').length).toBe(FEATURE_LIMIT / 2);
  });
});
