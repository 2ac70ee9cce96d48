import { describe, expect, it } from 'vitest';
import type { OrgFeature } from '../api';
import { applyOrgReload } from './orgreload';

const org = (id: number, status = 'active', located = true) =>
  ({ type: 'Feature', id, geometry: located ? { type: 'Point', coordinates: [113, 33] } : null, properties: { name: `组织${id}`, status } }) as unknown as OrgFeature;
const ids = (orgs: OrgFeature[] | null) => orgs?.map((o) => o.id) ?? null;

describe('applyOrgReload', () => {
  it('keeps a large scope\'s tiles after a read: a tap or an opened panel, or another user\'s contact or request', () => {
    // Clusters shown: the store holds nothing; the tapped organization is held for its popup.
    const tap = applyOrgReload([], 7, org(7), true, { keep: true });
    expect(tap.forgetTiles).toBe(false);
    expect(ids(tap.orgs)).toEqual([7]);
    // A live event about an organization the store holds: updated, tiles kept.
    const live = applyOrgReload([org(7)], 7, org(7), true);
    expect(live.forgetTiles).toBe(false);
    expect(ids(live.orgs)).toEqual([7]);
  });

  it('forgets a large scope\'s tiles after this page\'s own change', () => {
    expect(applyOrgReload([org(7)], 7, org(7), true, { wrote: true, keep: true }).forgetTiles).toBe(true);
    // Retired: off the map, and its cell is stale.
    const retired = applyOrgReload([org(3), org(7)], 7, org(7, 'deregistered'), true, { wrote: true });
    expect(retired.forgetTiles).toBe(true);
    expect(ids(retired.orgs)).toEqual([3]);
  });

  it('adds no organization a large scope\'s store does not hold, unless its popup or panel opens', () => {
    // Another user's contact with an organization anywhere in scope while clusters are shown.
    expect(applyOrgReload([], 9, org(9), true)).toEqual({ orgs: null, forgetTiles: false });
    expect(applyOrgReload([org(2)], 9, org(9), true)).toEqual({ orgs: null, forgetTiles: false });
  });

  it('updates an ordinary scope\'s organizations as before, with no tiles to forget', () => {
    const r = applyOrgReload([org(5), org(2)], 4, org(4), false, { wrote: true });
    expect(r.forgetTiles).toBe(false);
    expect(ids(r.orgs)).toEqual([2, 4, 5]);
    expect(ids(applyOrgReload([org(2), org(4)], 4, null, false).orgs)).toEqual([2]);
    expect(ids(applyOrgReload([org(2)], 4, org(4, 'active', false), false).orgs)).toEqual([2]);
  });
});
