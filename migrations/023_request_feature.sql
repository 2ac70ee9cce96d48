-- Pre-rendered request features (issue 14 point 1, "the same for
-- requests"): one row per open request (neither verified nor rejected),
-- which is what the map's requests layer loads (GET /api/v1/requests?
-- status=open). The live query probed the organization table for every
-- request row, and with a million organizations those probes went to
-- pages outside shared buffers: 0.6-1.2 s for 12,380 open requests.
-- These tables are a few MB and stay in cache; the reads
-- (grid/postgis/request.go) concatenate their text around the SLA
-- colour, the one part that depends on the time.
--
-- Two tables, so that a request's writers and its organization's never
-- write the same row and never wait for each other (migration 020's
-- rule: a register import holds its organizations for minutes):
--   request_feature: the request's part, one row per open request,
--                    written only by request statements;
--   request_org:     the organization's part (point, name, grid), one
--                    row per organization with open requests, written by
--                    organization statements, which keep an existing row
--                    as their own row is, and by the fold.
-- A request filed for an organization without a request_org row is read
-- with its organization's part rendered live, until the fold
-- (map_fold_request_org, run by the server every couple of seconds with
-- the tile fold) adds the row. The fold locks the organization FOR SHARE
-- SKIP LOCKED: one with an uncommitted change is left for a later fold,
-- and a change after the lock waits for the fold's short transaction and
-- then finds the row to update. So a row of request_org, when a read sees
-- it, is what its organization's row is in the same snapshot.
--
-- Not in spatial order, unlike org_feature: the reads page by request
-- id, and a bbox filter scans the open requests (12,380 rows, about a
-- thousand pages in cache, at a million organizations) without an index.
--
-- Timestamps are rendered in UTC, as the server's sessions read them
-- (grid/postgis/db.go), whatever the writer's session time zone.
CREATE TABLE request_feature (
  id              bigint PRIMARY KEY,
  zone_id         bigint NOT NULL,
  org_id          bigint NOT NULL,
  liaison_id      bigint,
  status          text NOT NULL,
  reported_at     timestamptz NOT NULL,
  response_due_at timestamptz NOT NULL,
  due_at          timestamptz NOT NULL,
  resolved_at     timestamptz,
  -- ',"zone_id":…,"title":…,"category":…,"topic":…,"status":…'
  head            text NOT NULL,
  -- ',"reported_at":…,"version":…}}' (after the SLA colour)
  tail            text NOT NULL
)
-- As org_feature: room for HOT updates, no parallel worker for a read.
WITH (fillfactor = 80, parallel_workers = 0);

CREATE INDEX request_feature_org_idx ON request_feature (org_id);

CREATE TABLE request_org (
  org_id   bigint PRIMARY KEY,
  grid_id  bigint,
  geom     geometry(Point, 4326),
  -- ',"geometry":…,"properties":{"org_id":…,"org_name":…,"grid_id":…'
  org_part text NOT NULL
) WITH (fillfactor = 80, parallel_workers = 0);

-- The parts of a Feature, as requestFeatureSQL (grid/postgis/request.go)
-- writes them live, without padding.
CREATE FUNCTION map_request_feature_org_part(o organization) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT ',"geometry":' || coalesce(ST_AsGeoJSON(o.geom, 6), 'null')
  || ',"properties":{"org_id":' || o.id
  || ',"org_name":' || coalesce(to_json(o.name)::text, 'null')
  || ',"grid_id":' || coalesce(o.grid_id::text, 'null')
$$;

CREATE FUNCTION map_request_feature_head(r request) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT ',"zone_id":' || r.zone_id
  || ',"title":' || coalesce(to_json(r.title)::text, 'null')
  || ',"category":' || coalesce(to_json(r.category)::text, 'null')
  || ',"topic":' || coalesce(to_json(r.topic)::text, 'null')
  || ',"status":' || coalesce(to_json(r.status)::text, 'null')
$$;

CREATE FUNCTION map_request_feature_tail(r request) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT ',"reported_at":' || coalesce(to_json(r.reported_at)::text, 'null')
  || ',"response_due_at":' || coalesce(to_json(r.response_due_at)::text, 'null')
  || ',"due_at":' || coalesce(to_json(r.due_at)::text, 'null')
  || ',"closed_at":' || coalesce(to_json(r.closed_at)::text, 'null')
  || ',"liaison_id":' || coalesce(r.liaison_id::text, 'null')
  || ',"unit_id":' || coalesce(r.unit_id::text, 'null')
  || ',"supervision":' || coalesce(to_json(r.supervision)::text, 'null')
  || ',"rework_count":' || r.rework_count
  || ',"reminders":' || r.reminders
  || ',"version":' || r.version
  || '}}'
$$;

-- Requests: their rows, from the statement's rows alone (no other table
-- is read or locked). The SLA escalation every minute updates requests
-- that stay open, and changes only the rows it touched.
CREATE FUNCTION map_request_feature_request() RETURNS trigger
LANGUAGE plpgsql SET timezone = 'UTC' AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    TRUNCATE request_feature;
    RETURN NULL;
  ELSIF TG_OP = 'DELETE' THEN
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

CREATE TRIGGER map_request_feature_ins AFTER INSERT ON request
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION map_request_feature_request();
CREATE TRIGGER map_request_feature_upd AFTER UPDATE ON request
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION map_request_feature_request();
CREATE TRIGGER map_request_feature_del AFTER DELETE ON request
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION map_request_feature_request();
CREATE TRIGGER map_request_feature_trunc AFTER TRUNCATE ON request
  FOR EACH STATEMENT EXECUTE FUNCTION map_request_feature_request();

-- Organizations: their request_org row, where they have one. Inserted
-- ones have no requests yet.
CREATE FUNCTION map_request_feature_org() RETURNS trigger
LANGUAGE plpgsql SET timezone = 'UTC' AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    TRUNCATE request_org;
  ELSIF TG_OP = 'DELETE' THEN
    DELETE FROM request_org g USING old_rows d WHERE g.org_id = d.id;
  ELSIF current_setting('transaction_isolation') <> 'read committed' THEN
    -- A snapshot taken before the statement may miss a row the fold added
    -- since, and an UPDATE would leave it stale. Writing every updated
    -- organization's row turns that race into a serialization failure
    -- (the caller retries); the fold drops the rows of organizations
    -- without open requests.
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

CREATE TRIGGER map_request_feature_org_upd AFTER UPDATE ON organization
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION map_request_feature_org();
CREATE TRIGGER map_request_feature_org_del AFTER DELETE ON organization
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION map_request_feature_org();
CREATE TRIGGER map_request_feature_org_trunc AFTER TRUNCATE ON organization
  FOR EACH STATEMENT EXECUTE FUNCTION map_request_feature_org();

-- map_fold_request_org adds the request_org rows of organizations with
-- open requests and none (see above), and removes those of organizations
-- without open requests, skipping organizations and rows another
-- transaction holds. It says how many rows it added.
CREATE FUNCTION map_fold_request_org() RETURNS bigint
LANGUAGE plpgsql SET timezone = 'UTC' AS $$
DECLARE
  n bigint;
BEGIN
  WITH o AS (
    SELECT o AS org FROM organization o
    WHERE o.id IN (SELECT f.org_id FROM request_feature f
                   WHERE NOT EXISTS (SELECT FROM request_org g WHERE g.org_id = f.org_id))
    ORDER BY o.id FOR SHARE OF o SKIP LOCKED)
  INSERT INTO request_org (org_id, grid_id, geom, org_part)
  SELECT (o.org).id, (o.org).grid_id, (o.org).geom, map_request_feature_org_part(o.org) FROM o
  ON CONFLICT (org_id) DO NOTHING;
  GET DIAGNOSTICS n = ROW_COUNT;
  DELETE FROM request_org g
  WHERE g.org_id IN (SELECT s.org_id FROM request_org s
                     WHERE NOT EXISTS (SELECT FROM request_feature f WHERE f.org_id = s.org_id)
                     FOR UPDATE SKIP LOCKED);
  RETURN n;
END $$;

-- map_rebuild_request_feature rebuilds both tables from scratch. It is
-- maintenance: run it with writers stopped.
CREATE FUNCTION map_rebuild_request_feature() RETURNS bigint
LANGUAGE plpgsql SET timezone = 'UTC' AS $$
DECLARE
  n bigint;
BEGIN
  LOCK TABLE request_feature, request_org IN ACCESS EXCLUSIVE MODE;
  TRUNCATE request_feature, request_org;
  INSERT INTO request_feature (id, zone_id, org_id, liaison_id, status, reported_at, response_due_at, due_at,
    resolved_at, head, tail)
  SELECT r.id, r.zone_id, r.org_id, r.liaison_id, r.status, r.reported_at, r.response_due_at, r.due_at,
    r.resolved_at, map_request_feature_head(r), map_request_feature_tail(r)
  FROM request r
  WHERE r.status NOT IN ('verified', 'rejected')
  ORDER BY r.id;
  GET DIAGNOSTICS n = ROW_COUNT;
  INSERT INTO request_org (org_id, grid_id, geom, org_part)
  SELECT o.id, o.grid_id, o.geom, map_request_feature_org_part(o)
  FROM organization o
  WHERE o.id IN (SELECT f.org_id FROM request_feature f)
  ORDER BY o.id;
  ANALYZE request_feature;
  ANALYZE request_org;
  RETURN n;
END $$;

SELECT map_rebuild_request_feature();
