-- The request loop: requests awaiting escalation are found by status.
CREATE INDEX request_supervision_idx ON request (due_at)
  WHERE status NOT IN ('verified', 'rejected');
