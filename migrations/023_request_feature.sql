-- Pre-rendered request features (issue 14 point 1, "the same for
-- requests"): one row per open request (neither verified nor rejected),
-- which is what the map's requests layer loads (GET /api/v1/requests?
-- status=open). The live query probed the organization table for every
-- request row, and with a million organizations those probes went to
-- pages outside shared buffers: 0.6–0.9 s for 12,380 open requests.
-- This table is a few MB and stays in cache; the reads
-- (grid/postgis/request.go) concatenate its text around the SLA colour,
-- the one part that depends on the time.
--
-- Each column has one source, so that concurrent writes to different
-- sources never overwrite each other's part of a row (an UPDATE that
-- waits for another's row lock applies its own SET to the newer row):
--   request:      id … resolved_at, head, tail (re-rendered from the row,
--                 which its writer holds locked);
--   organization: grid_id, geom, org_part (re-rendered for the open
--                 requests of every organization an UPDATE touched).
-- A request that enters the table (filed, reopened, or moved to another
-- organization) is rendered whole, after a FOR SHARE lock on its
-- organization: that waits for a transaction that changed the
-- organization and has not committed (its trigger could not see the new
-- row), and makes a later change of the organization wait for this one.
-- The lock is taken before org_activity's (migration 020, trigger
-- map_org_feature_request_*, which fires after these by name), in the
-- order organization writers take them, so the two cannot deadlock.
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
  grid_id         bigint,
  geom            geometry(Point, 4326),
  -- ',"geometry":…,"properties":{"org_id":…,"org_name":…,"grid_id":…'
  org_part        text NOT NULL,
  -- ',"zone_id":…,"title":…,"category":…,"topic":…,"status":…'
  head            text NOT NULL,
  -- ',"reported_at":…,"version":…}}' (after the SLA colour)
  tail            text NOT NULL
)
-- As org_feature: room for HOT updates, no parallel worker for a read.
WITH (fillfactor = 80, parallel_workers = 0);

CREATE INDEX request_feature_org_idx ON request_feature (org_id);
CREATE INDEX request_feature_geom_gix ON request_feature USING gist (geom);

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

-- Requests. A row that enters (a request filed, reopened, or moved to
-- another organization) is rendered whole from the statement's rows and
-- its organization, read with FOR SHARE: in READ COMMITTED that waits
-- for a transaction that changed the organization and then reads the
-- version it committed. The entering rows come first, so that an
-- organization's lock comes before any row of this table, in the order
-- an organization's writer takes them. An update re-renders only the
-- request's part of a row that stays (same organization, open before and
-- after); the SLA escalation every minute is such an update, and
-- changes only the rows it touched.
CREATE FUNCTION map_request_feature_request() RETURNS trigger
LANGUAGE plpgsql SET timezone = 'UTC' AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    TRUNCATE request_feature;
    RETURN NULL;
  ELSIF TG_OP = 'DELETE' THEN
    DELETE FROM request_feature f USING old_rows d WHERE f.id = d.id AND d.status NOT IN ('verified', 'rejected');
    RETURN NULL;
  ELSIF TG_OP = 'INSERT' THEN
    WITH e AS (
      SELECT n.id, n.zone_id, n.org_id, n.liaison_id, n.status, n.reported_at, n.response_due_at, n.due_at,
        n.resolved_at, o.grid_id, o.geom, map_request_feature_org_part(o) AS org_part,
        map_request_feature_head(n) AS head, map_request_feature_tail(n) AS tail
      FROM new_rows n JOIN organization o ON o.id = n.org_id
      WHERE n.status NOT IN ('verified', 'rejected')
      ORDER BY o.id FOR SHARE OF o)
    INSERT INTO request_feature AS f (id, zone_id, org_id, liaison_id, status, reported_at, response_due_at,
      due_at, resolved_at, grid_id, geom, org_part, head, tail)
    SELECT * FROM e ORDER BY e.id
    ON CONFLICT (id) DO UPDATE SET zone_id = excluded.zone_id, org_id = excluded.org_id,
      liaison_id = excluded.liaison_id, status = excluded.status, reported_at = excluded.reported_at,
      response_due_at = excluded.response_due_at, due_at = excluded.due_at, resolved_at = excluded.resolved_at,
      grid_id = excluded.grid_id, geom = excluded.geom, org_part = excluded.org_part, head = excluded.head,
      tail = excluded.tail;
    RETURN NULL;
  END IF;
  WITH e AS (
    SELECT n.id, n.zone_id, n.org_id, n.liaison_id, n.status, n.reported_at, n.response_due_at, n.due_at,
      n.resolved_at, o.grid_id, o.geom, map_request_feature_org_part(o) AS org_part,
      map_request_feature_head(n) AS head, map_request_feature_tail(n) AS tail
    FROM new_rows n JOIN organization o ON o.id = n.org_id
    WHERE n.status NOT IN ('verified', 'rejected')
      AND NOT EXISTS (SELECT FROM old_rows d WHERE d.id = n.id AND d.org_id = n.org_id
                        AND d.status NOT IN ('verified', 'rejected'))
    ORDER BY o.id FOR SHARE OF o)
  INSERT INTO request_feature AS f (id, zone_id, org_id, liaison_id, status, reported_at, response_due_at,
    due_at, resolved_at, grid_id, geom, org_part, head, tail)
  SELECT * FROM e ORDER BY e.id
  ON CONFLICT (id) DO UPDATE SET zone_id = excluded.zone_id, org_id = excluded.org_id,
    liaison_id = excluded.liaison_id, status = excluded.status, reported_at = excluded.reported_at,
    response_due_at = excluded.response_due_at, due_at = excluded.due_at, resolved_at = excluded.resolved_at,
    grid_id = excluded.grid_id, geom = excluded.geom, org_part = excluded.org_part, head = excluded.head,
    tail = excluded.tail;
  -- Rows that leave: closed now, or their id changed.
  DELETE FROM request_feature f
  USING old_rows d LEFT JOIN new_rows n ON n.id = d.id
  WHERE f.id = d.id AND d.status NOT IN ('verified', 'rejected')
    AND (n.id IS NULL OR n.status IN ('verified', 'rejected'));
  UPDATE request_feature f SET zone_id = n.zone_id, liaison_id = n.liaison_id, status = n.status,
    reported_at = n.reported_at, response_due_at = n.response_due_at, due_at = n.due_at,
    resolved_at = n.resolved_at, head = map_request_feature_head(n), tail = map_request_feature_tail(n)
  FROM new_rows n JOIN old_rows d ON d.id = n.id AND d.org_id = n.org_id
  WHERE f.id = n.id AND n.status NOT IN ('verified', 'rejected') AND d.status NOT IN ('verified', 'rejected')
    AND (f.head, f.tail, f.zone_id, f.liaison_id, f.status, f.reported_at, f.response_due_at, f.due_at, f.resolved_at)
      IS DISTINCT FROM (map_request_feature_head(n), map_request_feature_tail(n), n.zone_id, n.liaison_id, n.status,
        n.reported_at, n.response_due_at, n.due_at, n.resolved_at);
  RETURN NULL;
END $$;

CREATE TRIGGER map_open_request_ins AFTER INSERT ON request
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION map_request_feature_request();
CREATE TRIGGER map_open_request_upd AFTER UPDATE ON request
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION map_request_feature_request();
CREATE TRIGGER map_open_request_del AFTER DELETE ON request
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION map_request_feature_request();
CREATE TRIGGER map_open_request_trunc AFTER TRUNCATE ON request
  FOR EACH STATEMENT EXECUTE FUNCTION map_request_feature_request();

-- Organizations: their part of their open requests' rows. Inserted ones
-- have no requests yet; deleted ones take theirs along (ON DELETE
-- CASCADE, whose deletes fire the request trigger).
CREATE FUNCTION map_request_feature_org() RETURNS trigger
LANGUAGE plpgsql SET timezone = 'UTC' AS $$
BEGIN
  UPDATE request_feature f SET grid_id = n.grid_id, geom = n.geom, org_part = map_request_feature_org_part(n)
  FROM new_rows n
  WHERE f.org_id = n.id
    AND (f.grid_id IS DISTINCT FROM n.grid_id OR f.geom IS DISTINCT FROM n.geom -- exact (PostGIS 3)
         OR f.org_part IS DISTINCT FROM map_request_feature_org_part(n));
  RETURN NULL;
END $$;

CREATE TRIGGER map_open_request_org_upd AFTER UPDATE ON organization
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION map_request_feature_org();

-- map_rebuild_request_feature rebuilds the table from scratch, in
-- spatial order. It is maintenance: run it with writers stopped.
CREATE FUNCTION map_rebuild_request_feature() RETURNS bigint
LANGUAGE plpgsql SET timezone = 'UTC' AS $$
DECLARE
  n bigint;
BEGIN
  LOCK TABLE request_feature IN ACCESS EXCLUSIVE MODE;
  TRUNCATE request_feature;
  INSERT INTO request_feature (id, zone_id, org_id, liaison_id, status, reported_at, response_due_at, due_at,
    resolved_at, grid_id, geom, org_part, head, tail)
  SELECT r.id, r.zone_id, r.org_id, r.liaison_id, r.status, r.reported_at, r.response_due_at, r.due_at,
    r.resolved_at, o.grid_id, o.geom, map_request_feature_org_part(o), map_request_feature_head(r),
    map_request_feature_tail(r)
  FROM request r JOIN organization o ON o.id = r.org_id
  WHERE r.status NOT IN ('verified', 'rejected')
  ORDER BY o.geom, r.id;
  GET DIAGNOSTICS n = ROW_COUNT;
  ANALYZE request_feature;
  RETURN n;
END $$;

SELECT map_rebuild_request_feature();
