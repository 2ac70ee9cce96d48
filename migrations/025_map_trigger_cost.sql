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
