-- Contact logs and KPIs: contacts are counted by time across the zone.
CREATE INDEX contact_at_idx ON contact (at);
-- An organization's contact log is listed newest first, page by page.
CREATE INDEX contact_org_at_idx ON contact (org_id, at DESC, id DESC);
-- KPIs select the requests reported in a date range.
CREATE INDEX request_reported_at_idx ON request (reported_at);
