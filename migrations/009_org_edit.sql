-- Organizations are created, moved and retired by hand.
--
-- An organization registered without coordinates is unlocated (geom NULL)
-- until someone places it; it has no grid then unless an admin set one by
-- hand (the rule needs a point).
ALTER TABLE organization ALTER COLUMN geom DROP NOT NULL;
ALTER TABLE organization ADD CONSTRAINT organization_unlocated_grid
  CHECK (geom IS NOT NULL OR grid_reason IS NULL OR grid_reason = 'manual');

-- Retirement (迁出 moved out, 注销 deregistered) keeps the row and its
-- history; a retired organization is inactive, so the map, lists and
-- coverage leave it out. active may also be false on its own (seeded
-- data), so it stays the column readers filter on.
ALTER TABLE organization
  ADD COLUMN status text NOT NULL DEFAULT 'active'
    CHECK (status IN ('active', 'moved_out', 'deregistered')),
  ADD COLUMN retired_at date,
  ADD COLUMN retired_note text NOT NULL DEFAULT '' CHECK (length(retired_note) <= 200),
  ADD CONSTRAINT organization_retired CHECK ((status = 'active') = (retired_at IS NULL)),
  ADD CONSTRAINT organization_retired_inactive CHECK (status = 'active' OR NOT active);

-- The 待定位 list: a zone's unlocated organizations.
CREATE INDEX organization_unlocated_idx ON organization (zone_id, id) WHERE geom IS NULL AND active;
