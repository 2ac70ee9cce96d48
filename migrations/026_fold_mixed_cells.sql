-- A partial fold kept the pyramid exact only by luck (found by
-- TestOrgClusterDrift failing once in CI). map_org_cluster_add deleted a
-- cell when its kind counts summed to zero; but a batch of deltas (the
-- fold moves at most foldBatch of them, in no particular order) can hold
-- an organization's leaving a kind without its arriving: a kind change's
-- −1 enterprise and +1 social, with the creation's +1 enterprise left for
-- a later batch. The cell then holds −1, 0, +1: no organizations in all,
-- yet not empty. Deleting it lost the −1 and the +1, and the later batch
-- left an enterprise where there is a social organization.
--
-- Now a cell is deleted only when every count and the id sum are zero:
-- the function is 016's but for its RETURNING and the test of up.
-- Readers add the cells up and leave out those that count no
-- organization, so a cell of mixed signs shows nothing, as it should.
CREATE OR REPLACE FUNCTION map_org_cluster_add(ids bigint[], zones bigint[], grids bigint[], kinds text[],
                                    uxs bigint[], uys bigint[], signs integer[]) RETURNS void
LANGUAGE plpgsql
-- A bulk load aggregates in memory rather than in batches on disk (022).
SET work_mem = '256MB'
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
    RETURNING k.z, k.cy, k.cx, k.zone_id, k.grid_id, k.enterprise, k.new_economic, k.social, k.id_sum
  )
  SELECT array_agg(up.z), array_agg(up.cy), array_agg(up.cx), array_agg(up.zone_id), array_agg(up.grid_id)
  INTO gone_z, gone_cy, gone_cx, gone_zone, gone_grid
  FROM up WHERE (up.enterprise, up.new_economic, up.social, up.id_sum) = (0, 0, 0, 0);
  IF gone_z IS NOT NULL THEN
    DELETE FROM org_cluster k
    USING unnest(gone_z, gone_cy, gone_cx, gone_zone, gone_grid) AS g(z, cy, cx, zone_id, grid_id)
    WHERE (k.z, k.cy, k.cx, k.zone_id, k.grid_id) = (g.z, g.cy, g.cx, g.zone_id, g.grid_id);
  END IF;
END $$;

-- A pyramid folded in batches before may have lost such a cell: rebuild
-- it from the organizations (at a million, some 25 seconds, once).
SELECT map_rebuild_org_cluster();
