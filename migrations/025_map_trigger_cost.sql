-- The map triggers' cost on a request write (issue 14: writes at most
-- 1.2× slower with them than without). An INSERT, UPDATE or DELETE of
-- requests ran three statement triggers (map_notify_request_*,
-- map_org_feature_request_*, map_request_feature_*), each its own
-- plpgsql entry with its transition tables, and the notification went
-- through two more functions (map_notify_zoned, map_notify_send) and the
-- activity count through a third (map_org_activity_lock), which ran its
-- two statements even when no count changed (a status change between
-- open states, the SLA escalation).
--
-- Now one function per event does the three triggers' work, in their
-- order (notify, org_activity, request_feature: the order PostgreSQL ran
-- them in, by name), with what they maintain unchanged:
--   - the notifications are one set-based pg_notify per zone;
--   - org_activity is not touched when no count changes; when one
--     organization's count changes, one statement creates (a count that
--     rises), locks and updates its row, as the lock function's INSERT,
--     SELECT … FOR NO KEY UPDATE and UPDATE did (one row: no lock order
--     to keep; under REPEATABLE READ a row changed since the snapshot
--     fails the statement as the lock did); several organizations still
--     go through create, lock in id order, update;
--   - a bulk load (gridgis.bulk_load, migration 022) still skips only
--     the org_activity part of an INSERT: the WHEN clause that skipped
--     map_org_feature_request_ins is tested inside.
-- TRUNCATE keeps its three triggers (no transition tables, rare).
CREATE FUNCTION map_request() RETURNS trigger
LANGUAGE plpgsql SET timezone = 'UTC' AS $$ -- request_feature's text (023)
DECLARE
  orgs bigint[];
  deltas bigint[];
BEGIN
  -- Each branch names only the transition tables its event has.
  IF TG_OP = 'INSERT' THEN
    PERFORM pg_notify('gridgis_map', 'requests:' || t.zone_id) FROM (SELECT DISTINCT zone_id FROM new_rows) t;
    IF current_setting('gridgis.bulk_load', true) IS DISTINCT FROM 'on' THEN
      -- One statement, in id order, as a contact's (020).
      INSERT INTO org_activity AS f (id, open_requests)
      SELECT org_id, count(*) FROM new_rows WHERE status NOT IN ('verified', 'rejected')
      GROUP BY org_id ORDER BY org_id
      ON CONFLICT (id) DO UPDATE SET open_requests = f.open_requests + excluded.open_requests;
    END IF;
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM pg_notify('gridgis_map', 'requests:' || t.zone_id)
    FROM (SELECT zone_id FROM new_rows UNION SELECT zone_id FROM old_rows) t;
    SELECT array_agg(org_id ORDER BY org_id), array_agg(n ORDER BY org_id) INTO orgs, deltas
    FROM (SELECT org_id, sum(n) AS n FROM (
            SELECT org_id, 1 AS n FROM new_rows WHERE status NOT IN ('verified', 'rejected')
            UNION ALL
            SELECT org_id, -1 FROM old_rows WHERE status NOT IN ('verified', 'rejected')) x
          GROUP BY org_id) d
    WHERE n <> 0;
  ELSE
    PERFORM pg_notify('gridgis_map', 'requests:' || t.zone_id) FROM (SELECT DISTINCT zone_id FROM old_rows) t;
    SELECT array_agg(org_id ORDER BY org_id), array_agg(-n ORDER BY org_id) INTO orgs, deltas
    FROM (SELECT org_id, count(*) AS n FROM old_rows WHERE status NOT IN ('verified', 'rejected') GROUP BY org_id) d;
  END IF;

  -- org_activity.open_requests (020's map_org_feature_request). A count
  -- that rises is of a row's organization now, which exists; one that
  -- falls never creates a row (a deleted row's organization may be going
  -- with it). A DELETE's deltas all fall.
  IF cardinality(orgs) = 1 THEN
    IF deltas[1] > 0 THEN
      INSERT INTO org_activity AS f (id, open_requests) VALUES (orgs[1], deltas[1])
      ON CONFLICT (id) DO UPDATE SET open_requests = f.open_requests + excluded.open_requests;
    ELSE
      UPDATE org_activity f SET open_requests = f.open_requests + deltas[1] WHERE f.id = orgs[1];
    END IF;
  ELSIF orgs IS NOT NULL THEN
    INSERT INTO org_activity (id)
    SELECT t.id FROM unnest(orgs, deltas) t(id, n) WHERE t.n > 0 ORDER BY t.id
    ON CONFLICT (id) DO NOTHING;
    PERFORM 1 FROM org_activity f WHERE f.id = ANY(orgs) ORDER BY f.id FOR NO KEY UPDATE;
    UPDATE org_activity f SET open_requests = f.open_requests + d.n
    FROM unnest(orgs, deltas) d(org_id, n)
    WHERE f.id = d.org_id;
  END IF;

  -- request_feature (023's map_request_feature_request).
  IF TG_OP = 'DELETE' THEN
    DELETE FROM request_feature f USING old_rows d WHERE f.id = d.id AND d.status NOT IN ('verified', 'rejected');
    RETURN NULL;
  ELSIF TG_OP = 'UPDATE' THEN
    -- Rows that leave: closed now, or their id changed.
    DELETE FROM request_feature f
    USING old_rows d LEFT JOIN new_rows n ON n.id = d.id
    WHERE f.id = d.id AND d.status NOT IN ('verified', 'rejected')
      AND (n.id IS NULL OR n.status IN ('verified', 'rejected'));
  END IF;
  INSERT INTO request_feature AS f (id, zone_id, org_id, liaison_id, status, reported_at, response_due_at,
    due_at, resolved_at, head, tail)
  SELECT n.id, n.zone_id, n.org_id, n.liaison_id, n.status, n.reported_at, n.response_due_at, n.due_at,
    n.resolved_at, map_request_feature_head(n), map_request_feature_tail(n)
  FROM new_rows n
  WHERE n.status NOT IN ('verified', 'rejected')
  ORDER BY n.id
  ON CONFLICT (id) DO UPDATE SET zone_id = excluded.zone_id, org_id = excluded.org_id,
    liaison_id = excluded.liaison_id, status = excluded.status, reported_at = excluded.reported_at,
    response_due_at = excluded.response_due_at, due_at = excluded.due_at, resolved_at = excluded.resolved_at,
    head = excluded.head, tail = excluded.tail
  WHERE (f.zone_id, f.org_id, f.liaison_id, f.status, f.reported_at, f.response_due_at, f.due_at, f.resolved_at,
      f.head, f.tail)
    IS DISTINCT FROM (excluded.zone_id, excluded.org_id, excluded.liaison_id, excluded.status, excluded.reported_at,
      excluded.response_due_at, excluded.due_at, excluded.resolved_at, excluded.head, excluded.tail);
  RETURN NULL;
END $$;

DROP TRIGGER map_notify_request_ins ON request;
DROP TRIGGER map_notify_request_upd ON request;
DROP TRIGGER map_notify_request_del ON request;
DROP TRIGGER map_org_feature_request_ins ON request;
DROP TRIGGER map_org_feature_request_upd ON request;
DROP TRIGGER map_org_feature_request_del ON request;
DROP TRIGGER map_request_feature_ins ON request;
DROP TRIGGER map_request_feature_upd ON request;
DROP TRIGGER map_request_feature_del ON request;

CREATE TRIGGER map_request_ins AFTER INSERT ON request REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION map_request();
CREATE TRIGGER map_request_upd AFTER UPDATE ON request REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION map_request();
CREATE TRIGGER map_request_del AFTER DELETE ON request REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION map_request();

-- An UPDATE of organizations ran four (map_notify_organization_upd,
-- map_org_cluster_upd, map_org_feature_org_upd,
-- map_request_feature_org_upd): one function does their work now, in
-- that order, each part as its function did (017/021, 019, 020, 023);
-- the notifications are one set-based pg_notify per zone and layer.
-- No SET timezone, as map_org_feature_org had none: neither part renders
-- a time (retired_at is a date). INSERT, DELETE and TRUNCATE keep their
-- triggers.
CREATE FUNCTION map_organization_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('gridgis_map', l.layer || ':' || t.zone_id)
  FROM (SELECT zone_id FROM new_rows UNION SELECT zone_id FROM old_rows) t,
    unnest(ARRAY['organizations', 'requests', 'grids']) l(layer);

  -- org_cluster_delta (019's map_org_cluster).
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

  -- org_feature (020's map_org_feature_org). A row missing (an
  -- organization written while the triggers were off) comes back.
  INSERT INTO org_feature AS f (id, zone_id, grid_id, party_members, active, kind, industry, party_org,
    status, geom, head)
  SELECT n.id, n.zone_id, n.grid_id, n.party_members, n.active, n.kind, n.industry, n.party_org,
    n.status, n.geom, map_org_feature_head(n)
  FROM new_rows n
  ORDER BY n.geom, n.id
  ON CONFLICT (id) DO UPDATE SET zone_id = excluded.zone_id, grid_id = excluded.grid_id,
    party_members = excluded.party_members, active = excluded.active, kind = excluded.kind,
    industry = excluded.industry, party_org = excluded.party_org, status = excluded.status,
    geom = excluded.geom, head = excluded.head;

  -- request_org (023's map_request_feature_org, which says why).
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    INSERT INTO request_org AS g (org_id, grid_id, geom, org_part)
    SELECT n.id, n.grid_id, n.geom, map_request_feature_org_part(n) FROM new_rows n ORDER BY n.id
    ON CONFLICT (org_id) DO UPDATE SET grid_id = excluded.grid_id, geom = excluded.geom, org_part = excluded.org_part;
  ELSE
    UPDATE request_org g SET grid_id = n.grid_id, geom = n.geom, org_part = map_request_feature_org_part(n)
    FROM new_rows n
    WHERE g.org_id = n.id
      AND (g.grid_id IS DISTINCT FROM n.grid_id OR g.geom IS DISTINCT FROM n.geom -- exact (PostGIS 3)
           OR g.org_part IS DISTINCT FROM map_request_feature_org_part(n));
  END IF;
  RETURN NULL;
END $$;

DROP TRIGGER map_notify_organization_upd ON organization;
DROP TRIGGER map_org_cluster_upd ON organization;
DROP TRIGGER map_org_feature_org_upd ON organization;
DROP TRIGGER map_request_feature_org_upd ON organization;

CREATE TRIGGER map_organization_upd AFTER UPDATE ON organization
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION map_organization_upd();
