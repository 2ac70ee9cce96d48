-- Indexes for the map queries at a million organizations.

-- Per-grid counts and scoped lists read only active organizations.
CREATE INDEX organization_grid_active_idx ON organization (grid_id, id) WHERE active;

-- A liaison's requests: those assigned to them.
CREATE INDEX request_liaison_idx ON request (liaison_id) WHERE liaison_id IS NOT NULL;
