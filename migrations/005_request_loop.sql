-- The request loop.

-- The resolution deadline is met or missed when a request is resolved
-- (销号): the review that follows does not run against it. request_sla
-- takes resolved_at and freezes a resolved request's colour there; the Go
-- twin is grid.Request.SLA.
DROP FUNCTION request_sla(text, timestamptz, timestamptz, timestamptz, timestamptz);
CREATE FUNCTION request_sla(status text, reported_at timestamptz, response_due_at timestamptz,
                            due_at timestamptz, resolved_at timestamptz, at timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN status IN ('verified', 'rejected') THEN 'green'
    WHEN t > deadline THEN 'red'
    WHEN t >= deadline - (deadline - reported_at) * 0.2 THEN 'yellow'
    ELSE 'green' END
  FROM (SELECT CASE WHEN status = 'reported' THEN response_due_at ELSE due_at END AS deadline,
               CASE WHEN status = 'resolved' AND resolved_at IS NOT NULL THEN least(at, resolved_at) ELSE at END AS t) d
$$;

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
