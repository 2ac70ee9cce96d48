-- The activity of an organization apart from its map row (review of
-- issue 14, findings 1 to 3). org_feature (migration 015) was written by
-- organization, assignment, contact and request statements alike, so a
-- long transaction updating organizations (a register import) held the
-- rows every contact log, request filing and liaison change of those
-- organizations had to write, until it committed. Those writes take only
-- a FOR KEY SHARE lock on organization, which a non-key UPDATE does not
-- block, and did not wait for such a transaction before org_feature.
--
-- org_activity now holds what assignment, contact and request determine,
-- one row per organization that has or had any of them, and only their
-- triggers write it; org_feature keeps what the organization row
-- determines, and only organization statements write it (an organization
-- deleted or truncated takes its org_activity row with it: the delete
-- waits for the writers of its contacts and requests anyway). The reads
-- (grid/postgis/orgfeature.go) left-join it: a missing row is an
-- organization without a liaison, contacts or open requests.
--   assignment: liaison_id, pinned (re-read under the row lock);
--   contact:    contact_max, visit_max (raised with greatest() on insert;
--               recomputed on update or delete; both under the row lock,
--               so a delete of the latest contact waits for an older
--               contact inserted concurrently and then sees it);
--   request:    open_requests (added to and taken from).
-- Each trigger creates the rows it needs and locks them in id order
-- before it updates them, so that two statements touching several
-- organizations cannot deadlock each other (an insert of contacts or
-- requests does all three in one INSERT … ON CONFLICT DO UPDATE).
CREATE TABLE org_activity (
  id            bigint PRIMARY KEY,
  liaison_id    bigint,
  pinned        boolean NOT NULL DEFAULT false,
  contact_max   timestamptz,
  visit_max     timestamptz,
  open_requests integer NOT NULL DEFAULT 0
)
-- As org_feature: room for HOT updates, no parallel worker for a read.
WITH (fillfactor = 80, parallel_workers = 0);

ALTER TABLE org_feature DROP COLUMN liaison_id, DROP COLUMN pinned, DROP COLUMN contact_max,
  DROP COLUMN visit_max, DROP COLUMN open_requests;

-- The liaison index moves to org_activity (a liaison's scope reads it).
CREATE OR REPLACE FUNCTION map_org_feature_indexes() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  CREATE INDEX IF NOT EXISTS org_feature_geom_gix ON org_feature USING gist (geom);
  CREATE INDEX IF NOT EXISTS org_feature_zone_idx ON org_feature (zone_id, id);
  CREATE INDEX IF NOT EXISTS org_feature_grid_idx ON org_feature (grid_id, id);
  CREATE INDEX IF NOT EXISTS org_feature_unlocated_idx ON org_feature (zone_id, id) WHERE geom IS NULL;
  CREATE INDEX IF NOT EXISTS org_activity_liaison_idx ON org_activity (liaison_id) WHERE liaison_id IS NOT NULL;
END $$;

-- map_rebuild_org_feature rebuilds both tables from scratch, org_feature
-- in spatial order and org_activity in the same order, so that a bbox's
-- rows of each share few pages. It is maintenance: run it with writers
-- stopped (a transaction that wrote one table and then the other can
-- deadlock with its locks, whichever order it took them in).
CREATE OR REPLACE FUNCTION map_rebuild_org_feature() RETURNS bigint
LANGUAGE plpgsql SET work_mem = '256MB' SET maintenance_work_mem = '256MB' AS $$
DECLARE
  n bigint;
BEGIN
  LOCK TABLE org_feature, org_activity IN ACCESS EXCLUSIVE MODE;
  TRUNCATE org_feature, org_activity;
  DROP INDEX IF EXISTS org_feature_geom_gix, org_feature_zone_idx, org_feature_grid_idx,
    org_feature_unlocated_idx, org_activity_liaison_idx;
  INSERT INTO org_feature (id, zone_id, grid_id, party_members, active, kind, industry, party_org, status, geom, head)
  SELECT o.id, o.zone_id, o.grid_id, o.party_members, o.active, o.kind, o.industry, o.party_org, o.status, o.geom,
    map_org_feature_head(o)
  FROM organization o
  ORDER BY o.geom, o.id;
  GET DIAGNOSTICS n = ROW_COUNT;
  INSERT INTO org_activity (id, liaison_id, pinned, contact_max, visit_max, open_requests)
  SELECT f.id, a.liaison_id, coalesce(a.pinned, false), c.contact_max, c.visit_max, coalesce(r.open, 0)
  FROM org_feature f
  LEFT JOIN assignment a ON a.org_id = f.id AND a.valid_to IS NULL
  LEFT JOIN (SELECT org_id, max(at) FILTER (WHERE kind = 'contact') AS contact_max,
               max(at) FILTER (WHERE kind = 'visit') AS visit_max
             FROM contact GROUP BY org_id) c ON c.org_id = f.id
  LEFT JOIN (SELECT org_id, count(*) AS open FROM request
             WHERE status NOT IN ('verified', 'rejected') GROUP BY org_id) r ON r.org_id = f.id
  WHERE a.org_id IS NOT NULL OR c.org_id IS NOT NULL OR r.org_id IS NOT NULL
  ORDER BY f.geom, f.id;
  PERFORM map_org_feature_indexes();
  ANALYZE org_feature;
  ANALYZE org_activity;
  RETURN n;
END $$;

-- Organizations: their row of org_feature; a deleted one's org_activity
-- row too. An update never touches org_activity.
CREATE OR REPLACE FUNCTION map_org_feature_org() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM org_feature f USING old_rows d WHERE f.id = d.id;
    DELETE FROM org_activity f USING old_rows d WHERE f.id = d.id;
    RETURN NULL;
  END IF;
  IF TG_OP = 'TRUNCATE' THEN
    TRUNCATE org_feature, org_activity;
    RETURN NULL;
  END IF;
  -- A row missing (an organization written while the triggers were off)
  -- comes back; map_rebuild_org_feature restores its activity.
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

-- map_org_activity_lock locks the org_activity rows of organizations ids
-- in id order, first creating those of organizations created (missing
-- rows of organizations that exist: the ids of rows a statement inserted
-- or updated, whose foreign key was just checked; never those of rows it
-- deleted, whose organization may be going with them).
CREATE FUNCTION map_org_activity_lock(ids bigint[], created bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO org_activity (id)
  SELECT DISTINCT t.id FROM unnest(created) t(id) WHERE t.id IS NOT NULL ORDER BY t.id
  ON CONFLICT (id) DO NOTHING;
  PERFORM 1 FROM org_activity f WHERE f.id = ANY(ids) ORDER BY f.id FOR NO KEY UPDATE;
END $$;

-- Assignments: the active one's liaison and pin, read again (after the
-- lock) for every organization a statement touched.
CREATE OR REPLACE FUNCTION map_org_feature_assignment() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids bigint[];
  created bigint[];
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    UPDATE org_activity SET liaison_id = NULL, pinned = false WHERE liaison_id IS NOT NULL OR pinned;
    RETURN NULL;
  END IF;
  -- Each branch names only the transition tables its event has.
  IF TG_OP = 'INSERT' THEN
    created := ARRAY(SELECT DISTINCT org_id FROM new_rows);
    ids := created;
  ELSIF TG_OP = 'UPDATE' THEN
    created := ARRAY(SELECT DISTINCT org_id FROM new_rows);
    ids := ARRAY(SELECT org_id FROM new_rows UNION SELECT org_id FROM old_rows);
  ELSE
    ids := ARRAY(SELECT DISTINCT org_id FROM old_rows);
  END IF;
  PERFORM map_org_activity_lock(ids, created);
  UPDATE org_activity f SET liaison_id = a.liaison_id, pinned = coalesce(a.pinned, false)
  FROM unnest(ids) t(org_id) LEFT JOIN assignment a ON a.org_id = t.org_id AND a.valid_to IS NULL
  WHERE f.id = t.org_id
    AND (f.liaison_id IS DISTINCT FROM a.liaison_id OR f.pinned IS DISTINCT FROM coalesce(a.pinned, false));
  RETURN NULL;
END $$;

CREATE TRIGGER map_org_feature_assignment_trunc AFTER TRUNCATE ON assignment
  FOR EACH STATEMENT EXECUTE FUNCTION map_org_feature_assignment();

-- Contacts: the latest of each kind. The insert takes the row lock even
-- when it does not raise the latest, so that a concurrent update or
-- delete of the latest, which recomputes, waits for it.
CREATE OR REPLACE FUNCTION map_org_feature_contact() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids bigint[];
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    UPDATE org_activity SET contact_max = NULL, visit_max = NULL WHERE contact_max IS NOT NULL OR visit_max IS NOT NULL;
    RETURN NULL;
  ELSIF TG_OP = 'INSERT' THEN
    -- One statement, in id order: ON CONFLICT DO UPDATE locks every
    -- existing row it meets, also one its WHERE leaves as it is.
    INSERT INTO org_activity AS f (id, contact_max, visit_max)
    SELECT org_id, max(at) FILTER (WHERE kind = 'contact'), max(at) FILTER (WHERE kind = 'visit')
    FROM new_rows GROUP BY org_id ORDER BY org_id
    ON CONFLICT (id) DO UPDATE SET contact_max = greatest(f.contact_max, excluded.contact_max),
      visit_max = greatest(f.visit_max, excluded.visit_max)
    WHERE excluded.contact_max > f.contact_max OR (f.contact_max IS NULL AND excluded.contact_max IS NOT NULL)
      OR excluded.visit_max > f.visit_max OR (f.visit_max IS NULL AND excluded.visit_max IS NOT NULL);
    RETURN NULL;
  ELSIF TG_OP = 'UPDATE' THEN
    ids := ARRAY(SELECT org_id FROM new_rows UNION SELECT org_id FROM old_rows);
    PERFORM map_org_activity_lock(ids, ARRAY(SELECT DISTINCT org_id FROM new_rows));
  ELSE
    ids := ARRAY(SELECT DISTINCT org_id FROM old_rows);
    PERFORM map_org_activity_lock(ids, NULL);
  END IF;
  -- Under the lock, this statement's snapshot sees every contact of these
  -- organizations committed or pending before it.
  UPDATE org_activity f SET
    contact_max = (SELECT max(c.at) FROM contact c WHERE c.org_id = f.id AND c.kind = 'contact'),
    visit_max = (SELECT max(c.at) FROM contact c WHERE c.org_id = f.id AND c.kind = 'visit')
  WHERE f.id = ANY(ids);
  RETURN NULL;
END $$;

CREATE TRIGGER map_org_feature_contact_trunc AFTER TRUNCATE ON contact
  FOR EACH STATEMENT EXECUTE FUNCTION map_org_feature_contact();

-- Requests: how many are open (neither verified nor rejected), by the
-- difference each statement makes. Only organizations whose count
-- changes are locked: the SLA escalation every minute updates requests
-- without opening or closing any.
CREATE OR REPLACE FUNCTION map_org_feature_request() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  orgs bigint[];
  deltas bigint[];
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    UPDATE org_activity SET open_requests = 0 WHERE open_requests <> 0;
    RETURN NULL;
  ELSIF TG_OP = 'INSERT' THEN
    -- One statement, in id order, as a contact's.
    INSERT INTO org_activity AS f (id, open_requests)
    SELECT org_id, count(*) FROM new_rows WHERE status NOT IN ('verified', 'rejected')
    GROUP BY org_id ORDER BY org_id
    ON CONFLICT (id) DO UPDATE SET open_requests = f.open_requests + excluded.open_requests;
    RETURN NULL;
  ELSIF TG_OP = 'UPDATE' THEN
    SELECT array_agg(org_id ORDER BY org_id), array_agg(n ORDER BY org_id) INTO orgs, deltas
    FROM (SELECT org_id, sum(n) AS n FROM (
            SELECT org_id, 1 AS n FROM new_rows WHERE status NOT IN ('verified', 'rejected')
            UNION ALL
            SELECT org_id, -1 FROM old_rows WHERE status NOT IN ('verified', 'rejected')) x
          GROUP BY org_id) d
    WHERE n <> 0;
    -- A count that rises is of a row's organization now, which exists.
    PERFORM map_org_activity_lock(orgs, ARRAY(SELECT o FROM unnest(orgs, deltas) t(o, n) WHERE n > 0));
  ELSE
    SELECT array_agg(org_id ORDER BY org_id), array_agg(-n ORDER BY org_id) INTO orgs, deltas
    FROM (SELECT org_id, count(*) AS n FROM old_rows WHERE status NOT IN ('verified', 'rejected') GROUP BY org_id) d;
    PERFORM map_org_activity_lock(orgs, NULL);
  END IF;
  IF orgs IS NOT NULL THEN
    UPDATE org_activity f SET open_requests = f.open_requests + d.n
    FROM unnest(orgs, deltas) d(org_id, n)
    WHERE f.id = d.org_id;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER map_org_feature_request_trunc AFTER TRUNCATE ON request
  FOR EACH STATEMENT EXECUTE FUNCTION map_org_feature_request();

SELECT map_rebuild_org_feature();
