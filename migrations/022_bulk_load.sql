-- Bulk loads build the map's projections once, set-based (issue 14
-- point 6: a million organizations loaded in under 2 minutes). Through
-- the triggers, a register import's million new organizations were
-- rendered into org_feature with an upsert per row from a transition
-- table, and appended to org_cluster_delta as a million deltas that the
-- server then folded in twenty batches (about 40 s more).
--
-- A transaction that sets gridgis.bulk_load to 'on' (SET LOCAL; the demo
-- seeder, and the register import around its INSERT) makes its INSERTs
-- skip the map triggers of organization, assignment, contact and
-- request, and must then, before it commits and before it updates or
-- deletes any of those rows, call map_bulk_add_orgs for the organizations
-- it inserted (and map_bulk_add_activity when it inserted assignments,
-- contacts or requests, only for organizations it inserted). Updates,
-- deletes and truncates always run their triggers. The tile
-- notifications (map_notify_*) are not skipped: the rows are on the map.

DROP TRIGGER map_org_feature_org_ins ON organization;
CREATE TRIGGER map_org_feature_org_ins AFTER INSERT ON organization REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT WHEN (current_setting('gridgis.bulk_load', true) IS DISTINCT FROM 'on')
  EXECUTE FUNCTION map_org_feature_org();
DROP TRIGGER map_org_cluster_ins ON organization;
CREATE TRIGGER map_org_cluster_ins AFTER INSERT ON organization REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT WHEN (current_setting('gridgis.bulk_load', true) IS DISTINCT FROM 'on')
  EXECUTE FUNCTION map_org_cluster();
DROP TRIGGER map_org_feature_assignment_ins ON assignment;
CREATE TRIGGER map_org_feature_assignment_ins AFTER INSERT ON assignment REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT WHEN (current_setting('gridgis.bulk_load', true) IS DISTINCT FROM 'on')
  EXECUTE FUNCTION map_org_feature_assignment();
DROP TRIGGER map_org_feature_contact_ins ON contact;
CREATE TRIGGER map_org_feature_contact_ins AFTER INSERT ON contact REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT WHEN (current_setting('gridgis.bulk_load', true) IS DISTINCT FROM 'on')
  EXECUTE FUNCTION map_org_feature_contact();
DROP TRIGGER map_org_feature_request_ins ON request;
CREATE TRIGGER map_org_feature_request_ins AFTER INSERT ON request REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT WHEN (current_setting('gridgis.bulk_load', true) IS DISTINCT FROM 'on')
  EXECUTE FUNCTION map_org_feature_request();

-- map_bulk_add_orgs adds organizations ids, inserted by this transaction
-- with the triggers skipped, to org_feature (in spatial order, as the
-- rebuild writes it), the grid counts and the cluster pyramid. The
-- pyramid's cells are added to directly, as a fold adds (same functions,
-- keys locked in the same order), not through a million deltas folded
-- in batches: no writer waits for these rows (writers only append
-- deltas), and a fold that reaches a cell this transaction added to
-- waits for its commit, so loaders call this last. Plain INSERTs: an id
-- that already has a row fails loudly instead of being counted twice.
CREATE FUNCTION map_bulk_add_orgs(ids bigint[]) RETURNS void
LANGUAGE plpgsql SET work_mem = '256MB' SET enable_nestloop = on AS $$
BEGIN
  -- Many ids are joined by hashing them and reading organization once,
  -- not by a million index probes (three times slower, measured).
  IF cardinality(ids) > 10000 THEN
    PERFORM set_config('enable_nestloop', 'off', true);
  END IF;
  INSERT INTO org_feature (id, zone_id, grid_id, party_members, active, kind, industry, party_org, status, geom, head)
  SELECT o.id, o.zone_id, o.grid_id, o.party_members, o.active, o.kind, o.industry, o.party_org, o.status, o.geom,
    map_org_feature_head(o)
  FROM organization o WHERE o.id IN (SELECT unnest(ids))
  ORDER BY o.geom, o.id;
  PERFORM map_org_grid_count_add(array_agg(g.grid_id), array_agg(g.n))
  FROM (SELECT o.grid_id, count(*)::int AS n FROM organization o
        WHERE o.id IN (SELECT unnest(ids)) AND o.active AND o.grid_id IS NOT NULL GROUP BY 1) g
  HAVING count(*) > 0;
  PERFORM map_org_cluster_add(array_agg(o.id), array_agg(o.zone_id), array_agg(o.grid_id), array_agg(o.kind),
                              array_agg(map_org_unit_x(o.geom)), array_agg(map_org_unit_y(o.geom)), array_agg(1))
  FROM organization o WHERE o.id IN (SELECT unnest(ids)) AND o.active AND o.geom IS NOT NULL
  HAVING count(*) > 0;
END $$;

-- A million organizations' cells are aggregated in memory, not in
-- batches on disk (016's 64MB was for one statement's rows). A fold's
-- batch of 50,000 deltas uses what it needs, far less.
ALTER FUNCTION map_org_cluster_add SET work_mem = '256MB';

-- map_bulk_add_activity writes the org_activity rows of organizations
-- ids, inserted by this transaction with their assignments, contacts and
-- requests (the triggers skipped), as map_rebuild_org_feature does: one
-- row for each that has any. Call it after map_bulk_add_orgs, whose
-- org_feature rows give the spatial order.
CREATE FUNCTION map_bulk_add_activity(ids bigint[]) RETURNS void
LANGUAGE plpgsql SET work_mem = '256MB' SET enable_nestloop = on AS $$
BEGIN
  IF cardinality(ids) > 10000 THEN -- as in map_bulk_add_orgs
    PERFORM set_config('enable_nestloop', 'off', true);
  END IF;
  INSERT INTO org_activity (id, liaison_id, pinned, contact_max, visit_max, open_requests)
  SELECT f.id, a.liaison_id, coalesce(a.pinned, false), c.contact_max, c.visit_max, coalesce(r.open, 0)
  FROM org_feature f
  LEFT JOIN assignment a ON a.org_id = f.id AND a.valid_to IS NULL
  LEFT JOIN (SELECT org_id, max(at) FILTER (WHERE kind = 'contact') AS contact_max,
               max(at) FILTER (WHERE kind = 'visit') AS visit_max
             FROM contact WHERE org_id IN (SELECT unnest(ids)) GROUP BY org_id) c ON c.org_id = f.id
  LEFT JOIN (SELECT org_id, count(*) AS open FROM request
             WHERE status NOT IN ('verified', 'rejected') AND org_id IN (SELECT unnest(ids)) GROUP BY org_id) r
    ON r.org_id = f.id
  WHERE f.id IN (SELECT unnest(ids))
    AND (a.org_id IS NOT NULL OR c.org_id IS NOT NULL OR r.org_id IS NOT NULL)
  ORDER BY f.geom, f.id;
END $$;
