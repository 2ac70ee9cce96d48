-- Tile data versions per zone (review of issue 14, finding 5): migration
-- 017's notifications named only a layer, so a write in any zone retired
-- the layer's cached tiles of every zone. Now a row write's notification
-- names the layer and a zone whose rows it changed, 'organizations:12',
-- one per zone the statement touched (PostgreSQL still folds the same
-- payload sent twice in one transaction into one, and still delivers
-- only after commit). A bare layer name, as TRUNCATE sends (017's
-- map_notify, kept), means every zone.
--
-- The zone comes from the changed rows: organization.zone_id,
-- request.zone_id, grid.zone_id, and an assignment's organization's
-- zone. An UPDATE names the zones of its old rows and of its new ones.
-- This relies on what the application keeps true and the tiles read by:
-- a request is in its organization's zone (the requests layer draws it
-- at the organization, filtered by request.zone_id), and an
-- organization's grid is in its zone (the grids layer's org_count).
--
-- An assignment deleted with its organization (ON DELETE CASCADE) finds
-- no organization to read the zone from: the organization's own DELETE
-- announces the same layers in that zone.
--
-- A statement that changed no row still sends nothing: its transition
-- tables hold no zone.

-- map_notify_send announces each of layers in each of zones.
CREATE FUNCTION map_notify_send(layers text[], zones bigint[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  layer text;
  zone bigint;
BEGIN
  FOREACH zone IN ARRAY zones LOOP
    FOREACH layer IN ARRAY layers LOOP
      PERFORM pg_notify('gridgis_map', layer || ':' || zone);
    END LOOP;
  END LOOP;
END $$;

-- map_notify_zoned is the row triggers' function of a table with a
-- zone_id (organization, request, grid): TG_ARGV are the layers.
CREATE FUNCTION map_notify_zoned() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM map_notify_send(TG_ARGV, ARRAY(SELECT DISTINCT zone_id FROM new_rows));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM map_notify_send(TG_ARGV, ARRAY(SELECT DISTINCT zone_id FROM old_rows));
  ELSE
    PERFORM map_notify_send(TG_ARGV, ARRAY(SELECT zone_id FROM new_rows UNION SELECT zone_id FROM old_rows));
  END IF;
  RETURN NULL;
END $$;

-- map_notify_assignment is assignment's: the zones of the organizations
-- whose assignments changed.
CREATE FUNCTION map_notify_assignment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM map_notify_send(TG_ARGV, ARRAY(
      SELECT DISTINCT o.zone_id FROM organization o WHERE o.id IN (SELECT org_id FROM new_rows)));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM map_notify_send(TG_ARGV, ARRAY(
      SELECT DISTINCT o.zone_id FROM organization o WHERE o.id IN (SELECT org_id FROM old_rows)));
  ELSE
    PERFORM map_notify_send(TG_ARGV, ARRAY(
      SELECT DISTINCT o.zone_id FROM organization o
      WHERE o.id IN (SELECT org_id FROM new_rows UNION SELECT org_id FROM old_rows)));
  END IF;
  RETURN NULL;
END $$;

-- 017's row triggers give way to these; its TRUNCATE triggers stay.
DROP TRIGGER map_notify_organization_ins ON organization;
DROP TRIGGER map_notify_organization_upd ON organization;
DROP TRIGGER map_notify_organization_del ON organization;
DROP TRIGGER map_notify_assignment_ins ON assignment;
DROP TRIGGER map_notify_assignment_upd ON assignment;
DROP TRIGGER map_notify_assignment_del ON assignment;
DROP TRIGGER map_notify_request_ins ON request;
DROP TRIGGER map_notify_request_upd ON request;
DROP TRIGGER map_notify_request_del ON request;
DROP TRIGGER map_notify_grid_ins ON grid;
DROP TRIGGER map_notify_grid_upd ON grid;
DROP TRIGGER map_notify_grid_del ON grid;

CREATE TRIGGER map_notify_organization_ins AFTER INSERT ON organization REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION map_notify_zoned('organizations', 'requests', 'grids');
CREATE TRIGGER map_notify_organization_upd AFTER UPDATE ON organization
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION map_notify_zoned('organizations', 'requests', 'grids');
CREATE TRIGGER map_notify_organization_del AFTER DELETE ON organization REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION map_notify_zoned('organizations', 'requests', 'grids');

CREATE TRIGGER map_notify_assignment_ins AFTER INSERT ON assignment REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION map_notify_assignment('organizations', 'requests');
CREATE TRIGGER map_notify_assignment_upd AFTER UPDATE ON assignment
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION map_notify_assignment('organizations', 'requests');
CREATE TRIGGER map_notify_assignment_del AFTER DELETE ON assignment REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION map_notify_assignment('organizations', 'requests');

CREATE TRIGGER map_notify_request_ins AFTER INSERT ON request REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION map_notify_zoned('requests');
CREATE TRIGGER map_notify_request_upd AFTER UPDATE ON request
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION map_notify_zoned('requests');
CREATE TRIGGER map_notify_request_del AFTER DELETE ON request REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION map_notify_zoned('requests');

CREATE TRIGGER map_notify_grid_ins AFTER INSERT ON grid REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION map_notify_zoned('grids');
CREATE TRIGGER map_notify_grid_upd AFTER UPDATE ON grid
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION map_notify_zoned('grids');
CREATE TRIGGER map_notify_grid_del AFTER DELETE ON grid REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION map_notify_zoned('grids');
