-- Indexes for the map queries at a million organizations.

-- Per-grid counts and scoped lists read only active organizations.
CREATE INDEX organization_grid_active_idx ON organization (grid_id, id) WHERE active;

-- A liaison's requests: those assigned to them.
CREATE INDEX request_liaison_idx ON request (liaison_id) WHERE liaison_id IS NOT NULL;

-- Every map query joins each organization's active assignment for its
-- liaison: with the liaison in the index the join reads no table rows,
-- and the planner no longer takes the exclusion constraint's GiST index
-- (btree_gist), which it had rated as cheap and was three times slower.
CREATE INDEX assignment_active_liaison_idx ON assignment (org_id) INCLUDE (liaison_id) WHERE valid_to IS NULL;
