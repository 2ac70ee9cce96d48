import { describe, expect, it } from 'vitest';
import type { Position } from 'geojson';
import type { GridFeature, OrgFeature } from './api';
import { MIN_FOCUS_SPAN, OFFICER_CONTEXT, grownBy, gridEmphasis, gridListOrder, mapScope, scopeNote, withMinSpan } from './scope';

const square = (x: number, y: number, size: number): Position[][][] => [
  [
    [
      [x, y],
      [x + size, y],
      [x + size, y + size],
      [x, y + size],
      [x, y],
    ],
  ],
];

function grid(id: number, code: string, name: string, x: number, y: number): GridFeature {
  return {
    type: 'Feature',
    id,
    geometry: { type: 'MultiPolygon', coordinates: square(x, y, 0.1) },
    properties: { code, name, industry: name, officer: '', instructor: '', org_count: 0 },
  };
}

function org(id: number, gridId: number, lon: number, lat: number): OrgFeature {
  return {
    type: 'Feature',
    id,
    geometry: { type: 'Point', coordinates: [lon, lat] },
    properties: {
      name: `组织${id}`,
      uscc: '',
      kind: 'enterprise',
      industry: '',
      grid_id: gridId,
      grid_reason: 'industry',
      party_org: 'none',
      party_members: 0,
      employees: 1,
      high_tech: false,
      specialized: false,
      liaison_id: null,
      last_contact_at: null,
      last_visit_at: null,
      open_requests: 0,
    },
  };
}

// Two grids side by side: G01 at x 113.0–113.1, G02 at x 113.1–113.2.
const grids = [grid(2, 'G02', '新能源产业网格', 113.1, 33.7), grid(1, 'G01', '新材料产业网格', 113.0, 33.7)];

const expectBox = (got: number[] | null, want: number[]) => {
  expect(got).not.toBeNull();
  got!.forEach((v, i) => expect(v).toBeCloseTo(want[i], 9));
};

describe('mapScope', () => {
  it('shows admins the whole zone, grown a little for organizations just outside', () => {
    const orgs = [org(1, 1, 113.05, 33.75), org(2, 2, 113.21, 33.75)];
    const scope = mapScope({ role: 'admin', grid_ids: [] }, grids, orgs);
    expect(scope.kind).toBe('zone');
    expect(scope.ownGridIds.size).toBe(0);
    expectBox(scope.focus, [113.0, 33.7, 113.21, 33.8]);
  });

  it('shows planners the whole zone too', () => {
    expect(mapScope({ role: 'planner', grid_ids: [] }, grids, []).kind).toBe('zone');
  });

  it('fits an officer to their own grid and picks it out', () => {
    const orgs = [org(1, 1, 113.05, 33.75)];
    const scope = mapScope({ role: 'officer', grid_ids: [1] }, grids, orgs);
    expect(scope.kind).toBe('grids');
    expect([...scope.ownGridIds]).toEqual([1]);
    const m = 0.1 * OFFICER_CONTEXT; // the neighbours' edges come into view
    expectBox(scope.focus, [113.0 - m, 33.7 - m, 113.1 + m, 33.8 + m]);
  });

  it('fits an officer with several grids to all of them', () => {
    const scope = mapScope({ role: 'officer', grid_ids: [1, 2] }, grids, []);
    expect([...scope.ownGridIds].sort()).toEqual([1, 2]);
    expectBox(scope.focus, grownBy([113.0, 33.7, 113.2, 33.8], OFFICER_CONTEXT));
  });

  it("takes in an officer's organizations just outside their grid, within limits", () => {
    // 0.01 east of G01 (grows the view) and far north (capped at a quarter of the grid).
    const orgs = [org(1, 1, 113.11, 33.75), org(2, 1, 113.05, 34.5)];
    const scope = mapScope({ role: 'officer', grid_ids: [1] }, grids, orgs);
    expectBox(scope.focus, grownBy([113.0, 33.7, 113.11, 33.825], OFFICER_CONTEXT));
  });

  it('gives an officer whose grids the map lacks the zone view', () => {
    const scope = mapScope({ role: 'officer', grid_ids: [99] }, grids, []);
    expect(scope.kind).toBe('zone');
    expect(scope.ownGridIds.size).toBe(0);
    expectBox(scope.focus, [113.0, 33.7, 113.2, 33.8]);
  });

  it("fits a liaison to their organizations", () => {
    const orgs = [org(1, 1, 113.02, 33.71), org(2, 2, 113.15, 33.79)];
    const scope = mapScope({ role: 'liaison', grid_ids: [] }, grids, orgs);
    expect(scope.kind).toBe('orgs');
    expect(scope.ownGridIds.size).toBe(0);
    expectBox(scope.focus, [113.02, 33.71, 113.15, 33.79]);
  });

  it('keeps some street around a single organization of a liaison', () => {
    const scope = mapScope({ role: 'liaison', grid_ids: [] }, grids, [org(1, 1, 113.05, 33.75)]);
    const half = MIN_FOCUS_SPAN / 2;
    expectBox(scope.focus, [113.05 - half, 33.75 - half, 113.05 + half, 33.75 + half]);
  });

  it('shows a liaison with no organizations yet the zone', () => {
    const scope = mapScope({ role: 'liaison', grid_ids: [] }, grids, []);
    expect(scope.kind).toBe('orgs');
    expectBox(scope.focus, [113.0, 33.7, 113.2, 33.8]);
  });

  it('treats a role it does not know like the zone view', () => {
    expect(mapScope({ role: 'auditor', grid_ids: [1] }, grids, []).kind).toBe('zone');
  });

  it('has nothing to focus on with no data', () => {
    expect(mapScope({ role: 'admin', grid_ids: [] }, [], []).focus).toBeNull();
  });
});

describe('grownBy', () => {
  it('grows each side by a share of the width and height', () => {
    expectBox(grownBy([113, 33, 113.2, 33.1], 0.1), [112.98, 32.99, 113.22, 33.11]);
  });
});

describe('withMinSpan', () => {
  it('leaves a large enough box alone', () => {
    expect(withMinSpan([113, 33, 113.2, 33.1], 0.01)).toEqual([113, 33, 113.2, 33.1]);
  });

  it('grows a thin box about its centre, per axis', () => {
    expectBox(withMinSpan([113, 33, 113.2, 33.004], 0.01), [113, 32.997, 113.2, 33.007]);
  });
});

describe('gridEmphasis', () => {
  it('draws every grid normally without own grids', () => {
    expect(gridEmphasis({ ownGridIds: new Set() }, 1)).toBe('normal');
  });

  it("tells an officer's grids from the others", () => {
    const scope = { ownGridIds: new Set([1]) };
    expect(gridEmphasis(scope, 1)).toBe('mine');
    expect(gridEmphasis(scope, 2)).toBe('other');
  });
});

describe('gridListOrder', () => {
  it('orders by code', () => {
    expect(gridListOrder(grids, new Set()).map((g) => g.properties.code)).toEqual(['G01', 'G02']);
  });

  it("puts the officer's own grids first", () => {
    const more = [...grids, grid(3, 'G03', '装备制造产业网格', 113.2, 33.7)];
    expect(gridListOrder(more, new Set([3])).map((g) => g.properties.code)).toEqual(['G03', 'G01', 'G02']);
  });
});

describe('scopeNote', () => {
  it("names an officer's grids", () => {
    const scope = mapScope({ role: 'officer', grid_ids: [1, 2] }, grids, []);
    expect(scopeNote(scope, { role: 'officer' }, grids, 0)).toBe('新材料产业网格、新能源产业网格（本人负责）');
  });

  it("counts a liaison's organizations", () => {
    const scope = mapScope({ role: 'liaison', grid_ids: [] }, grids, [org(1, 1, 113.05, 33.75)]);
    expect(scopeNote(scope, { role: 'liaison' }, grids, 7)).toBe('本人包联的 7 家组织');
  });

  it('says the whole zone, read-only for planners', () => {
    const scope = mapScope({ role: 'admin', grid_ids: [] }, grids, []);
    expect(scopeNote(scope, { role: 'admin' }, grids, 0)).toBe('全园区');
    expect(scopeNote(scope, { role: 'planner' }, grids, 0)).toBe('全园区（只读）');
  });
});
