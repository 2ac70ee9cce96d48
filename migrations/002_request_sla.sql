-- request_sla is a request's SLA colour at a moment: green while in time,
-- yellow in the last 20 % of the time to its current deadline, red when
-- overdue. The deadline is the response deadline until the request is
-- assigned, then the resolution deadline; closed requests are green. The
-- Go twin is grid.SLA.
CREATE FUNCTION request_sla(status text, reported_at timestamptz, response_due_at timestamptz,
                            due_at timestamptz, at timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN status IN ('verified', 'rejected') THEN 'green'
    WHEN at > deadline THEN 'red'
    WHEN at >= deadline - (deadline - reported_at) * 0.2 THEN 'yellow'
    ELSE 'green' END
  FROM (SELECT CASE WHEN status = 'reported' THEN response_due_at ELSE due_at END AS deadline) d
$$;

-- Requests are listed by organization and status on the map.
CREATE INDEX request_open_idx ON request (org_id) WHERE status NOT IN ('verified', 'rejected');
