-- 改派 and 催办 (issue 13).
--
-- Both are steps in a request's history that leave its status as it is.
-- A request counts its reminders; appraisal counts the remind events,
-- each naming the liaison and unit that were chased (data.liaison_id,
-- data.unit_id), so a reminder stays with whoever had the request then.
ALTER TABLE request ADD COLUMN reminders integer NOT NULL DEFAULT 0 CHECK (reminders >= 0);

ALTER TABLE request_event DROP CONSTRAINT request_event_action_check;
ALTER TABLE request_event ADD CONSTRAINT request_event_action_check CHECK (action IN
  ('report', 'assign', 'start', 'resolve', 'verify', 'send_back', 'reject', 'supervise', 'reassign', 'remind'));

-- The KPI query finds a zone's reminders by action.
CREATE INDEX request_event_remind_idx ON request_event (request_id) WHERE action = 'remind';

-- A reassignment is announced to the liaison who had the request as well
-- (prev_liaison_id), so that their map and work queue drop it.
CREATE OR REPLACE FUNCTION notify_request_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('gridgis_events', json_build_object(
    'type', 'request', 'id', r.id, 'action', NEW.action, 'status', NEW.to_status, 'at', NEW.at,
    'org_id', r.org_id, 'zone_id', r.zone_id, 'grid_id', o.grid_id,
    'liaison_id', r.liaison_id, 'org_liaison_id', a.liaison_id,
    'prev_liaison_id', CASE WHEN NEW.action = 'reassign' THEN (NEW.data->>'from_liaison_id')::bigint END)::text)
  FROM request r
  JOIN organization o ON o.id = r.org_id
  LEFT JOIN assignment a ON a.org_id = o.id AND a.valid_to IS NULL
  WHERE r.id = NEW.request_id;
  RETURN NULL;
END $$;
