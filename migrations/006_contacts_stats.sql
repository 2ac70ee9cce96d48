-- Contact logs and KPIs: contacts are counted by time across the zone.
CREATE INDEX contact_at_idx ON contact (at);
