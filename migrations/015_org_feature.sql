-- Pre-rendered organization features (issue 14 point 1): one row per
-- organization with what the map's reads filter on and the compact
-- GeoJSON text of everything that does not depend on the time. The reads
-- (grid/postgis/orgfeature.go) splice in the liaison, the last contact and
-- visit up to now, the overdue flags and the open requests, so a bbox of
-- ten thousand features concatenates stored bytes instead of building
-- JSON and probing four tables per row.
--
-- Each column has one source, so that concurrent writes to different
-- sources never overwrite each other's part of a row:
--   organization: zone_id … geom, head (recomputed from the row, which
--                 the writer holds locked);
--   assignment:   liaison_id, pinned (re-read: the one active assignment
--                 per organization serializes its writers);
--   contact:      contact_max, visit_max (latest of every contact of the
--                 kind, also one dated after now; raised with greatest()
--                 on insert, which commutes; recomputed under the row lock
--                 on update or delete);
--   request:      open_requests (added to and taken from, which commutes).
-- Statement-level triggers (map_*) with transition tables keep it in the
-- same transaction as every write, a COPY of a million rows in one pass.
CREATE TABLE org_feature (
  id            bigint PRIMARY KEY,
  zone_id       bigint NOT NULL,
  grid_id       bigint,
  liaison_id    bigint,
  contact_max   timestamptz,
  visit_max     timestamptz,
  open_requests integer NOT NULL DEFAULT 0,
  party_members integer NOT NULL,
  active        boolean NOT NULL,
  pinned        boolean NOT NULL DEFAULT false,
  kind          text NOT NULL,
  industry      text NOT NULL,
  party_org     text NOT NULL,
  status        text NOT NULL,
  geom          geometry(Point, 4326),
  -- The Feature up to and including the properties that come from the
  -- organization's row, unterminated: '{"type":"Feature",…,"retired_note":"…"'.
  head          text NOT NULL
)
-- fillfactor: room on each page for the contact and request updates
-- (unindexed columns) to stay HOT. parallel_workers: a read is at most a
-- page of 10,001 rows in a bbox, and measured 40× slower in a bbox of
-- 1,000 when a parallel worker was started for it on a busy machine
-- (the row functions' costs had made it look worth one).
WITH (fillfactor = 80, parallel_workers = 0);

-- map_org_feature_head renders the organization's part of its Feature:
-- the keys and values json_build_object gave before, without padding.
CREATE FUNCTION map_org_feature_head(o organization) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT '{"type":"Feature","id":' || o.id
  || ',"geometry":' || coalesce(ST_AsGeoJSON(o.geom, 6), 'null')
  || ',"properties":{"name":' || to_json(o.name)::text
  || ',"uscc":' || to_json(o.uscc)::text
  || ',"kind":' || to_json(o.kind)::text
  || ',"industry":' || to_json(o.industry)::text
  || ',"employees":' || o.employees
  || ',"party_members":' || o.party_members
  || ',"party_org":' || to_json(o.party_org)::text
  || ',"high_tech":' || o.high_tech
  || ',"specialized":' || o.specialized
  || ',"address":' || to_json(o.address)::text
  || ',"zone_id":' || o.zone_id
  || ',"grid_id":' || coalesce(o.grid_id::text, 'null')
  || ',"grid_reason":' || coalesce(to_json(o.grid_reason)::text, 'null')
  || ',"version":' || o.version
  || ',"located":' || (o.geom IS NOT NULL)
  || ',"status":' || to_json(o.status)::text
  || ',"retired_at":' || coalesce(to_json(o.retired_at)::text, 'null')
  || ',"retired_note":' || to_json(o.retired_note)::text
$$;

-- The reads call these only for the rare row that needs them (a contact
-- dated after now; an organization without a location, whose bbox is
-- its zone's), as functions so that planning a read does not plan their
-- subqueries each time it is made.
CREATE FUNCTION map_org_last_contact(p_org bigint, p_kind text, p_upto timestamptz) RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
  RETURN (SELECT max(c.at) FROM contact c WHERE c.org_id = p_org AND c.kind = p_kind AND c.at <= p_upto);
END $$;

CREATE FUNCTION map_zone_boundary(p_zone bigint) RETURNS geometry
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
  RETURN (SELECT z.boundary FROM zone z WHERE z.id = p_zone);
END $$;

-- map_org_feature_indexes (re)creates the projection's indexes: after a
-- bulk load in spatial order the GiST index builds sorted, much faster
-- than a million inserts into it.
CREATE FUNCTION map_org_feature_indexes() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  CREATE INDEX IF NOT EXISTS org_feature_geom_gix ON org_feature USING gist (geom);
  CREATE INDEX IF NOT EXISTS org_feature_zone_idx ON org_feature (zone_id, id);
  CREATE INDEX IF NOT EXISTS org_feature_grid_idx ON org_feature (grid_id, id);
  CREATE INDEX IF NOT EXISTS org_feature_liaison_idx ON org_feature (liaison_id) WHERE liaison_id IS NOT NULL;
  CREATE INDEX IF NOT EXISTS org_feature_unlocated_idx ON org_feature (zone_id, id) WHERE geom IS NULL;
END $$;

-- map_rebuild_org_feature rebuilds the projection from scratch, in
-- spatial order (PostGIS sorts points along a space-filling curve), so
-- the organizations of a bbox share few pages. The migration back-fills
-- with it; the benchmark calls it after measuring writes with the map_*
-- triggers off.
CREATE FUNCTION map_rebuild_org_feature() RETURNS bigint
LANGUAGE plpgsql SET work_mem = '256MB' SET maintenance_work_mem = '256MB' AS $$
DECLARE
  n bigint;
BEGIN
  LOCK TABLE org_feature IN ACCESS EXCLUSIVE MODE;
  TRUNCATE org_feature;
  DROP INDEX IF EXISTS org_feature_geom_gix, org_feature_zone_idx, org_feature_grid_idx,
    org_feature_liaison_idx, org_feature_unlocated_idx;
  INSERT INTO org_feature (id, zone_id, grid_id, liaison_id, contact_max, visit_max, open_requests,
    party_members, active, pinned, kind, industry, party_org, status, geom, head)
  SELECT o.id, o.zone_id, o.grid_id, a.liaison_id, c.contact_max, c.visit_max, coalesce(r.open, 0),
    o.party_members, o.active, coalesce(a.pinned, false), o.kind, o.industry, o.party_org, o.status, o.geom,
    map_org_feature_head(o)
  FROM organization o
  LEFT JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL
  LEFT JOIN (SELECT org_id, max(at) FILTER (WHERE kind = 'contact') AS contact_max,
               max(at) FILTER (WHERE kind = 'visit') AS visit_max
             FROM contact GROUP BY org_id) c ON c.org_id = o.id
  LEFT JOIN (SELECT org_id, count(*) AS open FROM request
             WHERE status NOT IN ('verified', 'rejected') GROUP BY org_id) r ON r.org_id = o.id
  ORDER BY o.geom, o.id;
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM map_org_feature_indexes();
  ANALYZE org_feature;
  RETURN n;
END $$;

-- Organizations: their part of the row, from the row itself.
CREATE FUNCTION map_org_feature_org() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM org_feature f USING old_rows d WHERE f.id = d.id;
    RETURN NULL;
  END IF;
  IF TG_OP = 'TRUNCATE' THEN
    TRUNCATE org_feature;
    RETURN NULL;
  END IF;
  -- A row missing (an organization written while the triggers were off)
  -- comes back with its organization's part; map_rebuild_org_feature
  -- restores the rest.
  INSERT INTO org_feature AS f (id, zone_id, grid_id, party_members, active, kind, industry, party_org,
    status, geom, head)
  SELECT n.id, n.zone_id, n.grid_id, n.party_members, n.active, n.kind, n.industry, n.party_org,
    n.status, n.geom, map_org_feature_head(n)
  FROM new_rows n
  ORDER BY n.geom, n.id -- a bulk insert lands in spatial order too
  ON CONFLICT (id) DO UPDATE SET zone_id = excluded.zone_id, grid_id = excluded.grid_id,
    party_members = excluded.party_members, active = excluded.active, kind = excluded.kind,
    industry = excluded.industry, party_org = excluded.party_org, status = excluded.status,
    geom = excluded.geom, head = excluded.head;
  RETURN NULL;
END $$;

CREATE TRIGGER map_org_feature_org_ins AFTER INSERT ON organization
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION map_org_feature_org();
CREATE TRIGGER map_org_feature_org_upd AFTER UPDATE ON organization
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION map_org_feature_org();
CREATE TRIGGER map_org_feature_org_del AFTER DELETE ON organization
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION map_org_feature_org();
CREATE TRIGGER map_org_feature_org_trunc AFTER TRUNCATE ON organization
  FOR EACH STATEMENT EXECUTE FUNCTION map_org_feature_org();

-- Assignments: the active one's liaison and pin, read again for every
-- organization a statement touched.
CREATE FUNCTION map_org_feature_assignment() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids bigint[];
BEGIN
  -- Each branch names only the transition tables its event has.
  IF TG_OP = 'INSERT' THEN
    ids := ARRAY(SELECT DISTINCT org_id FROM new_rows);
  ELSIF TG_OP = 'UPDATE' THEN
    ids := ARRAY(SELECT org_id FROM new_rows UNION SELECT org_id FROM old_rows);
  ELSE
    ids := ARRAY(SELECT DISTINCT org_id FROM old_rows);
  END IF;
  UPDATE org_feature f SET liaison_id = a.liaison_id, pinned = coalesce(a.pinned, false)
  FROM unnest(ids) t(org_id) LEFT JOIN assignment a ON a.org_id = t.org_id AND a.valid_to IS NULL
  WHERE f.id = t.org_id
    AND (f.liaison_id IS DISTINCT FROM a.liaison_id OR f.pinned IS DISTINCT FROM coalesce(a.pinned, false));
  RETURN NULL;
END $$;

CREATE TRIGGER map_org_feature_assignment_ins AFTER INSERT ON assignment
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION map_org_feature_assignment();
CREATE TRIGGER map_org_feature_assignment_upd AFTER UPDATE ON assignment
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION map_org_feature_assignment();
CREATE TRIGGER map_org_feature_assignment_del AFTER DELETE ON assignment
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION map_org_feature_assignment();

-- Contacts: the latest of each kind.
CREATE FUNCTION map_org_feature_contact() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids bigint[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    -- greatest() commutes: two transactions adding contacts to one
    -- organization each raise the row as they find it after the other's
    -- commit.
    UPDATE org_feature f SET contact_max = greatest(f.contact_max, m.contact_max),
      visit_max = greatest(f.visit_max, m.visit_max)
    FROM (SELECT org_id, max(at) FILTER (WHERE kind = 'contact') AS contact_max,
            max(at) FILTER (WHERE kind = 'visit') AS visit_max
          FROM new_rows GROUP BY org_id) m
    WHERE f.id = m.org_id
      AND (m.contact_max > f.contact_max OR (f.contact_max IS NULL AND m.contact_max IS NOT NULL)
        OR m.visit_max > f.visit_max OR (f.visit_max IS NULL AND m.visit_max IS NOT NULL));
    RETURN NULL;
  ELSIF TG_OP = 'UPDATE' THEN
    ids := ARRAY(SELECT org_id FROM new_rows UNION SELECT org_id FROM old_rows);
  ELSE
    ids := ARRAY(SELECT DISTINCT org_id FROM old_rows);
  END IF;
  -- An update or delete may lower the latest: lock the rows first, so the
  -- next statement's snapshot sees every contact committed before it.
  PERFORM 1 FROM org_feature f WHERE f.id IN (SELECT unnest(ids)) ORDER BY f.id FOR UPDATE OF f;
  UPDATE org_feature f SET
    contact_max = (SELECT max(c.at) FROM contact c WHERE c.org_id = f.id AND c.kind = 'contact'),
    visit_max = (SELECT max(c.at) FROM contact c WHERE c.org_id = f.id AND c.kind = 'visit')
  WHERE f.id IN (SELECT unnest(ids));
  RETURN NULL;
END $$;

CREATE TRIGGER map_org_feature_contact_ins AFTER INSERT ON contact
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION map_org_feature_contact();
CREATE TRIGGER map_org_feature_contact_upd AFTER UPDATE ON contact
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION map_org_feature_contact();
CREATE TRIGGER map_org_feature_contact_del AFTER DELETE ON contact
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION map_org_feature_contact();

-- Requests: how many are open (neither verified nor rejected), by the
-- difference each statement makes, which commutes.
CREATE FUNCTION map_org_feature_request() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE org_feature f SET open_requests = f.open_requests + d.n
    FROM (SELECT org_id, count(*) AS n FROM new_rows WHERE status NOT IN ('verified', 'rejected')
          GROUP BY org_id) d
    WHERE f.id = d.org_id;
  ELSIF TG_OP = 'UPDATE' THEN
    UPDATE org_feature f SET open_requests = f.open_requests + d.n
    FROM (SELECT org_id, sum(n) AS n FROM (
            SELECT org_id, 1 AS n FROM new_rows WHERE status NOT IN ('verified', 'rejected')
            UNION ALL
            SELECT org_id, -1 FROM old_rows WHERE status NOT IN ('verified', 'rejected')) x
          GROUP BY org_id) d
    WHERE f.id = d.org_id AND d.n <> 0;
  ELSE
    UPDATE org_feature f SET open_requests = f.open_requests - d.n
    FROM (SELECT org_id, count(*) AS n FROM old_rows WHERE status NOT IN ('verified', 'rejected')
          GROUP BY org_id) d
    WHERE f.id = d.org_id;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER map_org_feature_request_ins AFTER INSERT ON request
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION map_org_feature_request();
CREATE TRIGGER map_org_feature_request_upd AFTER UPDATE ON request
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION map_org_feature_request();
CREATE TRIGGER map_org_feature_request_del AFTER DELETE ON request
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION map_org_feature_request();

SELECT map_rebuild_org_feature();
