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
-- Statements that change no row notify too: a spare render, never a stale
-- tile. Bulk loads (gridgis.bulk_load) are not exempt: their rows are on
-- the map.
CREATE FUNCTION map_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  layer text;
BEGIN
  FOREACH layer IN ARRAY TG_ARGV LOOP
    PERFORM pg_notify('gridgis_map', layer);
  END LOOP;
  RETURN NULL;
END $$;

CREATE TRIGGER map_notify_organization AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON organization
  FOR EACH STATEMENT EXECUTE FUNCTION map_notify('organizations', 'requests', 'grids');
CREATE TRIGGER map_notify_assignment AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON assignment
  FOR EACH STATEMENT EXECUTE FUNCTION map_notify('organizations', 'requests');
CREATE TRIGGER map_notify_request AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON request
  FOR EACH STATEMENT EXECUTE FUNCTION map_notify('requests');
CREATE TRIGGER map_notify_grid AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON grid
  FOR EACH STATEMENT EXECUTE FUNCTION map_notify('grids');
