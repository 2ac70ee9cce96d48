-- The cluster pyramid without shared row locks on the write path (review
-- of issue 14, finding 1). Migration 016's triggers upserted org_cluster
-- and org_grid_count in the writer's transaction; at low zooms one
-- org_cluster row covers a whole grid and org_grid_count has one row per
-- grid, so writes to unrelated organizations of a grid waited for each
-- other until commit (a register import blocked every edit in its grids),
-- and two transactions of several statements could deadlock.
--
-- Now the triggers only append to org_cluster_delta: one row per changed
-- organization and sign, with no key, so an insert never waits. A fold
-- (map_fold_org_cluster, run by the server every couple of seconds) moves
-- the deltas into org_cluster and org_grid_count in one short
-- transaction. Readers (grid/postgis/cluster.go, tile.go) add the deltas
-- not yet folded to what they read in the same snapshot, so a read is
-- exact whether or not the fold has run, and the fold changes nothing a
-- reader sees (it does not notify the tile cache).

-- An organization that entered (sign 1) or left (sign -1) the pyramid or
-- a grid's count: its zone, grid (0: none), kind and zoom-15 units ux, uy
-- (map_org_units; NULL when unlocated or outside the Mercator square).
-- Only active organizations with a grid or a place are written. The cell
-- at zoom z is (uy >> (20 - z), ux >> (20 - z)), as map_org_cluster_add
-- makes it. The table is normally a few rows: readers scan it whole, and
-- no index slows the writers.
CREATE TABLE org_cluster_delta (
  zone_id bigint NOT NULL,
  grid_id bigint NOT NULL,
  kind    text NOT NULL,
  ux      bigint,
  uy      bigint,
  id      bigint NOT NULL,
  sign    smallint NOT NULL
);

-- map_org_units is a point's zoom-15 units when it lies in the Mercator
-- square (2^15 tiles of 4096 units across), else NULLs.
CREATE FUNCTION map_org_units(g geometry) RETURNS TABLE (ux bigint, uy bigint)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN u.ok THEN u.x END, CASE WHEN u.ok THEN u.y END
  FROM (SELECT x, y, x >= 0 AND y >= 0 AND x < 134217728 AND y < 134217728 AS ok
        FROM (SELECT map_org_unit_x(g) AS x, map_org_unit_y(g) AS y) p) u
$$;

-- map_org_cluster (the trigger function of map_org_cluster_{ins,upd,del})
-- appends the statement's changes. An update counts only for the rows
-- whose place in the pyramid (active, zone, grid, kind, zoom-15 cell)
-- changed: a move of a metre mostly stays in its cell.
CREATE OR REPLACE FUNCTION map_org_cluster() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO org_cluster_delta (zone_id, grid_id, kind, ux, uy, id, sign)
    SELECT n.zone_id, coalesce(n.grid_id, 0), n.kind, u.ux, u.uy, n.id, 1
    FROM new_rows n CROSS JOIN LATERAL map_org_units(n.geom) u
    WHERE n.active AND (n.grid_id IS NOT NULL OR u.ux IS NOT NULL);
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO org_cluster_delta (zone_id, grid_id, kind, ux, uy, id, sign)
    SELECT o.zone_id, coalesce(o.grid_id, 0), o.kind, u.ux, u.uy, o.id, -1
    FROM old_rows o CROSS JOIN LATERAL map_org_units(o.geom) u
    WHERE o.active AND (o.grid_id IS NOT NULL OR u.ux IS NOT NULL);
  ELSE
    INSERT INTO org_cluster_delta (zone_id, grid_id, kind, ux, uy, id, sign)
    SELECT r.zone_id, coalesce(r.grid_id, 0), r.kind, r.ux, r.uy, r.id, r.sign
    FROM (SELECT o.id, o.active AS o_active, o.zone_id AS o_zone, o.grid_id AS o_grid, o.kind AS o_kind, ou.ux AS o_ux, ou.uy AS o_uy,
                 n.active, n.zone_id, n.grid_id, n.kind, nu.ux, nu.uy
          FROM old_rows o JOIN new_rows n ON n.id = o.id
          CROSS JOIN LATERAL map_org_units(o.geom) ou
          CROSS JOIN LATERAL map_org_units(n.geom) nu
          -- The units are computed only for the rows that changed.
          WHERE (o.active, o.zone_id, o.grid_id, o.kind, o.geom) IS DISTINCT FROM (n.active, n.zone_id, n.grid_id, n.kind, n.geom)) c
    CROSS JOIN LATERAL (VALUES (c.id, c.o_active, c.o_zone, c.o_grid, c.o_kind, c.o_ux, c.o_uy, -1),
                               (c.id, c.active, c.zone_id, c.grid_id, c.kind, c.ux, c.uy, 1))
      AS r(id, active, zone_id, grid_id, kind, ux, uy, sign)
    WHERE (c.o_active, c.o_zone, c.o_grid, c.o_kind, c.o_ux >> 5, c.o_uy >> 5)
          IS DISTINCT FROM (c.active, c.zone_id, c.grid_id, c.kind, c.ux >> 5, c.uy >> 5)
      AND r.active AND (r.grid_id IS NOT NULL OR r.ux IS NOT NULL);
  END IF;
  RETURN NULL;
END $$;

-- map_fold_org_cluster moves the committed deltas into org_cluster and
-- org_grid_count, at most batch of them (NULL: all), and returns how many
-- it moved: the server folds a register import's million in batches, each
-- a short statement well within its query timeout. A concurrent fold's
-- DELETE waits for this one's rows and then skips them, so no delta is
-- counted twice; a writer's uncommitted deltas are not seen (nor waited
-- for) and go to a later fold. The upserts lock keys in order (grid
-- counts, then cells), so concurrent folds do not deadlock; only folds
-- (and a rebuild) write these tables.
CREATE FUNCTION map_fold_org_cluster(batch integer DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  ids bigint[]; zones bigint[]; grids bigint[]; kinds text[]; uxs bigint[]; uys bigint[]; signs integer[];
  count_grids bigint[]; count_deltas integer[];
BEGIN
  WITH d AS (DELETE FROM org_cluster_delta
             WHERE batch IS NULL OR ctid = ANY (ARRAY(SELECT ctid FROM org_cluster_delta LIMIT batch))
             RETURNING *)
  SELECT array_agg(d.id), array_agg(d.zone_id), array_agg(d.grid_id), array_agg(d.kind), array_agg(d.ux), array_agg(d.uy), array_agg(d.sign::int)
  INTO ids, zones, grids, kinds, uxs, uys, signs
  FROM d;
  IF ids IS NULL THEN
    RETURN 0;
  END IF;
  SELECT array_agg(g.grid_id), array_agg(g.n) INTO count_grids, count_deltas
  FROM (SELECT u.grid_id, sum(u.sign)::int AS n FROM unnest(grids, signs) AS u(grid_id, sign)
        WHERE u.grid_id <> 0 GROUP BY 1) g;
  IF count_grids IS NOT NULL THEN
    PERFORM map_org_grid_count_add(count_grids, count_deltas);
  END IF;
  -- Rows without units (NULL) are left out there.
  PERFORM map_org_cluster_add(ids, zones, grids, kinds, uxs, uys, signs);
  RETURN cardinality(ids);
END $$;

-- map_rebuild_org_cluster rebuilds the pyramid and the grid counts from
-- scratch, the deltas included. The tables are locked in the fold's order.
CREATE OR REPLACE FUNCTION map_rebuild_org_cluster() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE org_cluster_delta, org_grid_count, org_cluster;
  INSERT INTO org_grid_count
  SELECT o.grid_id, count(*) FROM organization o WHERE o.active AND o.grid_id IS NOT NULL GROUP BY 1;
  PERFORM map_org_cluster_add(array_agg(o.id), array_agg(o.zone_id), array_agg(o.grid_id), array_agg(o.kind),
                              array_agg(map_org_unit_x(o.geom)), array_agg(map_org_unit_y(o.geom)), array_agg(1))
  FROM organization o WHERE o.active AND o.geom IS NOT NULL HAVING count(*) > 0;
END $$;

-- TRUNCATE organization empties the pyramid too (it left ghost clusters).
CREATE FUNCTION map_org_cluster_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE org_cluster_delta, org_grid_count, org_cluster;
  RETURN NULL;
END $$;

CREATE TRIGGER map_org_cluster_trunc AFTER TRUNCATE ON organization
  FOR EACH STATEMENT EXECUTE FUNCTION map_org_cluster_truncate();
