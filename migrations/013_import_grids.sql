-- A job may be a grid boundary import too (issue 12 point 4).
ALTER TABLE job DROP CONSTRAINT job_kind_check;
ALTER TABLE job ADD CONSTRAINT job_kind_check CHECK (kind IN ('import_orgs', 'import_grids'));
