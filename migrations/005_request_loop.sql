-- The request loop.

-- Requests awaiting escalation are found among the open ones.
CREATE INDEX request_supervision_idx ON request (due_at)
  WHERE status NOT IN ('verified', 'rejected');

-- Live map updates: every request step and every contact logged is
-- announced on channel gridgis_events when its transaction commits, with
-- what a listener needs to decide who may see it (grid, liaisons). Bulk
-- loads (the demo seeder) set gridgis.bulk_load = 'on' to stay quiet.
CREATE FUNCTION notify_request_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('gridgis_events', json_build_object(
    'type', 'request', 'id', r.id, 'action', NEW.action, 'status', NEW.to_status, 'at', NEW.at,
    'org_id', r.org_id, 'zone_id', r.zone_id, 'grid_id', o.grid_id,
    'liaison_id', r.liaison_id, 'org_liaison_id', a.liaison_id)::text)
  FROM request r
  JOIN organization o ON o.id = r.org_id
  LEFT JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL
  WHERE r.id = NEW.request_id;
  RETURN NULL;
END $$;

CREATE TRIGGER request_event_notify AFTER INSERT ON request_event FOR EACH ROW
  WHEN (current_setting('gridgis.bulk_load', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION notify_request_event();

CREATE FUNCTION notify_contact() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('gridgis_events', json_build_object(
    'type', 'contact', 'id', NEW.id, 'action', NEW.kind, 'at', NEW.at,
    'org_id', o.id, 'zone_id', o.zone_id, 'grid_id', o.grid_id,
    'liaison_id', NEW.liaison_id, 'org_liaison_id', a.liaison_id)::text)
  FROM organization o
  LEFT JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL
  WHERE o.id = NEW.org_id;
  RETURN NULL;
END $$;

CREATE TRIGGER contact_notify AFTER INSERT ON contact FOR EACH ROW
  WHEN (current_setting('gridgis.bulk_load', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION notify_contact();
