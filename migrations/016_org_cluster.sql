-- The organization cluster pyramid (issue 14 point 2): for every zoom
-- below grid.ClusterBelowZoom, the active located organizations counted
-- per cluster cell (grid.ClusterCells across a tile, cx east and cy south,
-- counted over the world), per zone and grid (0: none), per kind. A
-- low-zoom tile reads its cells here instead of aggregating every
-- organization under it (grid/postgis/tile.go). id_sum is the sum of the
-- ids: in a cell of one organization it IS that organization's id, so no
-- min() has to be kept up under deletes.
--
-- The cell of a point is the tile query's: its world tile-unit index at
-- zoom z, divided by the cell width (32 units) in integer division. The
-- unit index at z is floor(v * 2^z), v being the index at zoom 0 as a
-- float: a unit at z is the zoom-0 unit / 2^z exactly, so this is the
-- tile query's floor(metres / unit) to the bit. Points outside the
-- Mercator square (|lat| > 85.0511°, or on its east or south edge) are on
-- no tile.
CREATE TABLE org_cluster (
  z            smallint NOT NULL,
  cy           integer NOT NULL,
  cx           integer NOT NULL,
  zone_id      bigint NOT NULL,
  grid_id      bigint NOT NULL,
  enterprise   integer NOT NULL,
  new_economic integer NOT NULL,
  social       integer NOT NULL,
  id_sum       bigint NOT NULL,
  -- A tile reads one index range per row of cells (cy) it covers.
  PRIMARY KEY (z, cy, cx, zone_id, grid_id)
);

-- The active organizations of each grid, located or not: the grids
-- layer's org_count, which otherwise counts every organization of every
-- grid in the tile (a z6 tile over a million: about a second).
CREATE TABLE org_grid_count (
  grid_id bigint PRIMARY KEY,
  orgs    integer NOT NULL
);

-- map_org_grid_count_add adds deltas[i] to grid grids[i]'s count and
-- deletes the counts left at zero.
CREATE FUNCTION map_org_grid_count_add(grids bigint[], deltas integer[]) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO org_grid_count AS c
  SELECT d.grid_id, d.n FROM unnest(grids, deltas) AS d(grid_id, n) WHERE d.n <> 0 ORDER BY 1
  ON CONFLICT (grid_id) DO UPDATE SET orgs = c.orgs + excluded.orgs;
  DELETE FROM org_grid_count c USING unnest(grids) AS d(grid_id) WHERE c.grid_id = d.grid_id AND c.orgs = 0;
$$;

-- map_org_unit_x and map_org_unit_y are a point's world tile-unit index at
-- zoom 15: the tile query's formulas (tile.go unitX, unitY) at zoom 0, as
-- a float, times 2^15. NULL at the south pole, where the formula has no
-- value.
CREATE FUNCTION map_org_unit_x(g geometry) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT floor((ST_X(g) * (20037508.342789244 / 180) + 20037508.342789244) / (2 * 20037508.342789244::float8 / 4096) * 32768)::bigint
$$;
CREATE FUNCTION map_org_unit_y(g geometry) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN ST_Y(g) > -90 THEN
    floor((20037508.342789244 - ln(tan(radians(90 + ST_Y(g)) / 2)) * (20037508.342789244 / pi())) / (2 * 20037508.342789244::float8 / 4096) * 32768)::bigint
  END
$$;

-- map_org_cluster_add adds sign × each organization (id, zone, grid,
-- kind, zoom-15 units ux and uy; the arrays are parallel, sign is 1 or
-- -1) to the pyramid and deletes the cells left empty. Keys are locked in
-- order, so concurrent writers do not deadlock.
CREATE FUNCTION map_org_cluster_add(ids bigint[], zones bigint[], grids bigint[], kinds text[],
                                    uxs bigint[], uys bigint[], signs integer[]) RETURNS void
LANGUAGE plpgsql
-- A bulk load aggregates in memory rather than in batches on disk.
SET work_mem = '64MB'
AS $$
DECLARE
  gone_z smallint[]; gone_cy integer[]; gone_cx integer[]; gone_zone bigint[]; gone_grid bigint[];
BEGIN
  WITH p AS (
    SELECT d.id, d.zone_id, coalesce(d.grid_id, 0) AS grid_id, d.kind, d.sign, d.ux, d.uy
    FROM unnest(ids, zones, grids, kinds, uxs, uys, signs) AS d(id, zone_id, grid_id, kind, ux, uy, sign)
    -- In the Mercator world: 2^15 tiles of 4096 units across.
    WHERE d.ux >= 0 AND d.uy >= 0 AND d.ux < 134217728 AND d.uy < 134217728
  ), z15 AS (
    -- Cells at zoom 15, then each zoom's from the one above: a cell's
    -- units are not negative, so the tile query's integer division is a
    -- shift, and halving a cell index is going one zoom up.
    SELECT (p.uy >> 5)::int AS cy, (p.ux >> 5)::int AS cx, p.zone_id, p.grid_id,
      coalesce(sum(p.sign) FILTER (WHERE p.kind = 'enterprise'), 0)::int AS enterprise,
      coalesce(sum(p.sign) FILTER (WHERE p.kind = 'new_economic'), 0)::int AS new_economic,
      coalesce(sum(p.sign) FILTER (WHERE p.kind = 'social'), 0)::int AS social,
      sum(p.sign * p.id)::bigint AS id_sum
    FROM p GROUP BY 1, 2, 3, 4
  ), z14 AS (
    SELECT c.cy >> 1 AS cy, c.cx >> 1 AS cx, c.zone_id, c.grid_id,
      sum(c.enterprise)::int AS enterprise, sum(c.new_economic)::int AS new_economic, sum(c.social)::int AS social, sum(c.id_sum)::bigint AS id_sum
    FROM z15 c GROUP BY 1, 2, 3, 4
  ), z13 AS (
    SELECT c.cy >> 1 AS cy, c.cx >> 1 AS cx, c.zone_id, c.grid_id,
      sum(c.enterprise)::int AS enterprise, sum(c.new_economic)::int AS new_economic, sum(c.social)::int AS social, sum(c.id_sum)::bigint AS id_sum
    FROM z14 c GROUP BY 1, 2, 3, 4
  ), z12 AS (
    SELECT c.cy >> 1 AS cy, c.cx >> 1 AS cx, c.zone_id, c.grid_id,
      sum(c.enterprise)::int AS enterprise, sum(c.new_economic)::int AS new_economic, sum(c.social)::int AS social, sum(c.id_sum)::bigint AS id_sum
    FROM z13 c GROUP BY 1, 2, 3, 4
  ), z11 AS (
    SELECT c.cy >> 1 AS cy, c.cx >> 1 AS cx, c.zone_id, c.grid_id,
      sum(c.enterprise)::int AS enterprise, sum(c.new_economic)::int AS new_economic, sum(c.social)::int AS social, sum(c.id_sum)::bigint AS id_sum
    FROM z12 c GROUP BY 1, 2, 3, 4
  ), z10 AS (
    SELECT c.cy >> 1 AS cy, c.cx >> 1 AS cx, c.zone_id, c.grid_id,
      sum(c.enterprise)::int AS enterprise, sum(c.new_economic)::int AS new_economic, sum(c.social)::int AS social, sum(c.id_sum)::bigint AS id_sum
    FROM z11 c GROUP BY 1, 2, 3, 4
  ), z9 AS (
    SELECT c.cy >> 1 AS cy, c.cx >> 1 AS cx, c.zone_id, c.grid_id,
      sum(c.enterprise)::int AS enterprise, sum(c.new_economic)::int AS new_economic, sum(c.social)::int AS social, sum(c.id_sum)::bigint AS id_sum
    FROM z10 c GROUP BY 1, 2, 3, 4
  ), z8 AS (
    SELECT c.cy >> 1 AS cy, c.cx >> 1 AS cx, c.zone_id, c.grid_id,
      sum(c.enterprise)::int AS enterprise, sum(c.new_economic)::int AS new_economic, sum(c.social)::int AS social, sum(c.id_sum)::bigint AS id_sum
    FROM z9 c GROUP BY 1, 2, 3, 4
  ), z7 AS (
    SELECT c.cy >> 1 AS cy, c.cx >> 1 AS cx, c.zone_id, c.grid_id,
      sum(c.enterprise)::int AS enterprise, sum(c.new_economic)::int AS new_economic, sum(c.social)::int AS social, sum(c.id_sum)::bigint AS id_sum
    FROM z8 c GROUP BY 1, 2, 3, 4
  ), z6 AS (
    SELECT c.cy >> 1 AS cy, c.cx >> 1 AS cx, c.zone_id, c.grid_id,
      sum(c.enterprise)::int AS enterprise, sum(c.new_economic)::int AS new_economic, sum(c.social)::int AS social, sum(c.id_sum)::bigint AS id_sum
    FROM z7 c GROUP BY 1, 2, 3, 4
  ), z5 AS (
    SELECT c.cy >> 1 AS cy, c.cx >> 1 AS cx, c.zone_id, c.grid_id,
      sum(c.enterprise)::int AS enterprise, sum(c.new_economic)::int AS new_economic, sum(c.social)::int AS social, sum(c.id_sum)::bigint AS id_sum
    FROM z6 c GROUP BY 1, 2, 3, 4
  ), z4 AS (
    SELECT c.cy >> 1 AS cy, c.cx >> 1 AS cx, c.zone_id, c.grid_id,
      sum(c.enterprise)::int AS enterprise, sum(c.new_economic)::int AS new_economic, sum(c.social)::int AS social, sum(c.id_sum)::bigint AS id_sum
    FROM z5 c GROUP BY 1, 2, 3, 4
  ), z3 AS (
    SELECT c.cy >> 1 AS cy, c.cx >> 1 AS cx, c.zone_id, c.grid_id,
      sum(c.enterprise)::int AS enterprise, sum(c.new_economic)::int AS new_economic, sum(c.social)::int AS social, sum(c.id_sum)::bigint AS id_sum
    FROM z4 c GROUP BY 1, 2, 3, 4
  ), z2 AS (
    SELECT c.cy >> 1 AS cy, c.cx >> 1 AS cx, c.zone_id, c.grid_id,
      sum(c.enterprise)::int AS enterprise, sum(c.new_economic)::int AS new_economic, sum(c.social)::int AS social, sum(c.id_sum)::bigint AS id_sum
    FROM z3 c GROUP BY 1, 2, 3, 4
  ), z1 AS (
    SELECT c.cy >> 1 AS cy, c.cx >> 1 AS cx, c.zone_id, c.grid_id,
      sum(c.enterprise)::int AS enterprise, sum(c.new_economic)::int AS new_economic, sum(c.social)::int AS social, sum(c.id_sum)::bigint AS id_sum
    FROM z2 c GROUP BY 1, 2, 3, 4
  ), z0 AS (
    SELECT c.cy >> 1 AS cy, c.cx >> 1 AS cx, c.zone_id, c.grid_id,
      sum(c.enterprise)::int AS enterprise, sum(c.new_economic)::int AS new_economic, sum(c.social)::int AS social, sum(c.id_sum)::bigint AS id_sum
    FROM z1 c GROUP BY 1, 2, 3, 4
  ), c AS (
    SELECT 15::smallint AS z, * FROM z15
    UNION ALL SELECT 14::smallint, * FROM z14
    UNION ALL SELECT 13::smallint, * FROM z13
    UNION ALL SELECT 12::smallint, * FROM z12
    UNION ALL SELECT 11::smallint, * FROM z11
    UNION ALL SELECT 10::smallint, * FROM z10
    UNION ALL SELECT 9::smallint, * FROM z9
    UNION ALL SELECT 8::smallint, * FROM z8
    UNION ALL SELECT 7::smallint, * FROM z7
    UNION ALL SELECT 6::smallint, * FROM z6
    UNION ALL SELECT 5::smallint, * FROM z5
    UNION ALL SELECT 4::smallint, * FROM z4
    UNION ALL SELECT 3::smallint, * FROM z3
    UNION ALL SELECT 2::smallint, * FROM z2
    UNION ALL SELECT 1::smallint, * FROM z1
    UNION ALL SELECT 0::smallint, * FROM z0
  ), up AS (
    INSERT INTO org_cluster AS k
    SELECT * FROM c WHERE (c.enterprise, c.new_economic, c.social, c.id_sum) <> (0, 0, 0, 0)
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (z, cy, cx, zone_id, grid_id) DO UPDATE SET
      enterprise = k.enterprise + excluded.enterprise,
      new_economic = k.new_economic + excluded.new_economic,
      social = k.social + excluded.social,
      id_sum = k.id_sum + excluded.id_sum
    RETURNING k.z, k.cy, k.cx, k.zone_id, k.grid_id, k.enterprise + k.new_economic + k.social AS n
  )
  SELECT array_agg(up.z), array_agg(up.cy), array_agg(up.cx), array_agg(up.zone_id), array_agg(up.grid_id)
  INTO gone_z, gone_cy, gone_cx, gone_zone, gone_grid
  FROM up WHERE up.n = 0;
  IF gone_z IS NOT NULL THEN
    DELETE FROM org_cluster k
    USING unnest(gone_z, gone_cy, gone_cx, gone_zone, gone_grid) AS g(z, cy, cx, zone_id, grid_id)
    WHERE (k.z, k.cy, k.cx, k.zone_id, k.grid_id) = (g.z, g.cy, g.cx, g.zone_id, g.grid_id);
  END IF;
END $$;

-- map_org_cluster keeps the pyramid up with every statement that writes
-- organizations, from the rows it changed, in one set-based pass: a COPY
-- of a million rows is one call. An update counts only for the rows whose
-- place in the pyramid (active, geom, kind, zone, grid) changed.
CREATE FUNCTION map_org_cluster() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  ids bigint[]; zones bigint[]; grids bigint[]; kinds text[]; uxs bigint[]; uys bigint[]; signs integer[];
  count_grids bigint[]; count_deltas integer[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(n.id), array_agg(n.zone_id), array_agg(n.grid_id), array_agg(n.kind), array_agg(map_org_unit_x(n.geom)), array_agg(map_org_unit_y(n.geom)), array_agg(1)
    INTO ids, zones, grids, kinds, uxs, uys, signs
    FROM new_rows n WHERE n.active AND n.geom IS NOT NULL;
    SELECT array_agg(g.grid_id), array_agg(g.n) INTO count_grids, count_deltas
    FROM (SELECT n.grid_id, count(*)::int AS n FROM new_rows n WHERE n.active AND n.grid_id IS NOT NULL GROUP BY 1) g;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(o.id), array_agg(o.zone_id), array_agg(o.grid_id), array_agg(o.kind), array_agg(map_org_unit_x(o.geom)), array_agg(map_org_unit_y(o.geom)), array_agg(-1)
    INTO ids, zones, grids, kinds, uxs, uys, signs
    FROM old_rows o WHERE o.active AND o.geom IS NOT NULL;
    SELECT array_agg(g.grid_id), array_agg(-g.n) INTO count_grids, count_deltas
    FROM (SELECT o.grid_id, count(*)::int AS n FROM old_rows o WHERE o.active AND o.grid_id IS NOT NULL GROUP BY 1) g;
  ELSE
    SELECT array_agg(r.id), array_agg(r.zone_id), array_agg(r.grid_id), array_agg(r.kind), array_agg(map_org_unit_x(r.geom)), array_agg(map_org_unit_y(r.geom)), array_agg(r.sign)
    INTO ids, zones, grids, kinds, uxs, uys, signs
    FROM old_rows o JOIN new_rows n ON n.id = o.id
    CROSS JOIN LATERAL (VALUES (o.id, o.zone_id, o.grid_id, o.kind, o.geom, o.active, -1),
                               (n.id, n.zone_id, n.grid_id, n.kind, n.geom, n.active, 1))
      AS r(id, zone_id, grid_id, kind, geom, active, sign)
    WHERE (o.active, o.zone_id, o.grid_id, o.kind, o.geom) IS DISTINCT FROM (n.active, n.zone_id, n.grid_id, n.kind, n.geom)
      AND r.active AND r.geom IS NOT NULL;
    SELECT array_agg(g.grid_id), array_agg(g.n) INTO count_grids, count_deltas
    FROM (SELECT r.grid_id, sum(r.sign)::int AS n
          FROM old_rows o JOIN new_rows n ON n.id = o.id
          CROSS JOIN LATERAL (VALUES (o.grid_id, o.active, -1), (n.grid_id, n.active, 1)) AS r(grid_id, active, sign)
          WHERE (o.active, o.grid_id) IS DISTINCT FROM (n.active, n.grid_id) AND r.active AND r.grid_id IS NOT NULL
          GROUP BY 1) g;
  END IF;
  IF count_grids IS NOT NULL THEN
    PERFORM map_org_grid_count_add(count_grids, count_deltas);
  END IF;
  IF ids IS NOT NULL THEN
    PERFORM map_org_cluster_add(ids, zones, grids, kinds, uxs, uys, signs);
  END IF;
  RETURN NULL;
END $$;

-- A trigger with transition tables takes one event.
CREATE TRIGGER map_org_cluster_ins AFTER INSERT ON organization
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION map_org_cluster();
CREATE TRIGGER map_org_cluster_upd AFTER UPDATE ON organization
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION map_org_cluster();
CREATE TRIGGER map_org_cluster_del AFTER DELETE ON organization
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION map_org_cluster();

-- map_rebuild_org_cluster rebuilds the pyramid (and the grid counts) from scratch: the
-- back-fill below, and the benchmark after it measured writes with the
-- triggers off.
CREATE FUNCTION map_rebuild_org_cluster() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE org_cluster, org_grid_count;
  INSERT INTO org_grid_count
  SELECT o.grid_id, count(*) FROM organization o WHERE o.active AND o.grid_id IS NOT NULL GROUP BY 1;
  PERFORM map_org_cluster_add(array_agg(o.id), array_agg(o.zone_id), array_agg(o.grid_id), array_agg(o.kind),
                              array_agg(map_org_unit_x(o.geom)), array_agg(map_org_unit_y(o.geom)), array_agg(1))
  FROM organization o WHERE o.active AND o.geom IS NOT NULL HAVING count(*) > 0;
END $$;

SELECT map_rebuild_org_cluster();
ANALYZE org_cluster, org_grid_count;
