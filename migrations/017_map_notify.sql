-- Tile data versions (issue 14 point 2): the server caches vector tiles
-- in memory by layer and data version, and learns that a layer's data
-- changed from a notification on channel gridgis_map whose payload is the
-- layer's name. A statement trigger on each table a tile layer reads sends
-- it: one notification per statement (a COPY of a million rows included),
-- and PostgreSQL folds the same payload sent twice in one transaction into
-- one and delivers it only after commit, so a listener never learns of a
-- write that may still roll back.
--
-- The tables and the layers reading them (grid/postgis/tile.go):
--   organization: organizations (points, scope by grid), requests (at
--                 their organization's point, scope by grid), grids
--                 (org_count)
--   assignment:   organizations (liaison_id, a liaison's scope), requests
--                 (a liaison's scope)
--   request:      requests
--   grid:         grids
-- No tile reads contact, liaison or user_grid: a user's grids and
-- liaison are part of the cache key (their scope), not of the data.
--
-- A statement that changed no row (the SLA escalation every minute,
-- mostly) does not notify: each trigger reads its statement's rows as a
-- transition table, which PostgreSQL 15 allows for one event a trigger,
-- hence a trigger per event sharing one function; TRUNCATE has no rows to
-- read and always notifies. Bulk loads (gridgis.bulk_load) are not
-- exempt: their rows are on the map.
CREATE FUNCTION map_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  layer text;
BEGIN
  IF TG_OP <> 'TRUNCATE' THEN
    IF NOT EXISTS (SELECT FROM changed) THEN
      RETURN NULL;
    END IF;
  END IF;
  FOREACH layer IN ARRAY TG_ARGV LOOP
    PERFORM pg_notify('gridgis_map', layer);
  END LOOP;
  RETURN NULL;
END $$;

CREATE TRIGGER map_notify_organization_ins AFTER INSERT ON organization REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION map_notify('organizations', 'requests', 'grids');
CREATE TRIGGER map_notify_organization_upd AFTER UPDATE ON organization REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION map_notify('organizations', 'requests', 'grids');
CREATE TRIGGER map_notify_organization_del AFTER DELETE ON organization REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION map_notify('organizations', 'requests', 'grids');
CREATE TRIGGER map_notify_organization_trunc AFTER TRUNCATE ON organization
  FOR EACH STATEMENT EXECUTE FUNCTION map_notify('organizations', 'requests', 'grids');

CREATE TRIGGER map_notify_assignment_ins AFTER INSERT ON assignment REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION map_notify('organizations', 'requests');
CREATE TRIGGER map_notify_assignment_upd AFTER UPDATE ON assignment REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION map_notify('organizations', 'requests');
CREATE TRIGGER map_notify_assignment_del AFTER DELETE ON assignment REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION map_notify('organizations', 'requests');
CREATE TRIGGER map_notify_assignment_trunc AFTER TRUNCATE ON assignment
  FOR EACH STATEMENT EXECUTE FUNCTION map_notify('organizations', 'requests');

CREATE TRIGGER map_notify_request_ins AFTER INSERT ON request REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION map_notify('requests');
CREATE TRIGGER map_notify_request_upd AFTER UPDATE ON request REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION map_notify('requests');
CREATE TRIGGER map_notify_request_del AFTER DELETE ON request REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION map_notify('requests');
CREATE TRIGGER map_notify_request_trunc AFTER TRUNCATE ON request
  FOR EACH STATEMENT EXECUTE FUNCTION map_notify('requests');

CREATE TRIGGER map_notify_grid_ins AFTER INSERT ON grid REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION map_notify('grids');
CREATE TRIGGER map_notify_grid_upd AFTER UPDATE ON grid REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION map_notify('grids');
CREATE TRIGGER map_notify_grid_del AFTER DELETE ON grid REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION map_notify('grids');
CREATE TRIGGER map_notify_grid_trunc AFTER TRUNCATE ON grid
  FOR EACH STATEMENT EXECUTE FUNCTION map_notify('grids');
