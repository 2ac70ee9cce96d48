-- A job may be a grid boundary import too (issue 12 point 4).
ALTER TABLE job DROP CONSTRAINT job_kind_check;
ALTER TABLE job ADD CONSTRAINT job_kind_check CHECK (kind IN ('import_orgs', 'import_grids'));

-- The audit log is read zone by zone (review 4 blocker 3): an admin of one
-- zone reads the rows about it, an admin of every zone all of them. No
-- foreign key: a zone's audit outlives the zone, and an audit row must not
-- wait for a lock on the zone's row.
ALTER TABLE audit_log ADD COLUMN zone_id bigint;
CREATE INDEX audit_log_zone_idx ON audit_log (zone_id, id);

-- audit_zone is the zone a row is about: the zone, organization, request,
-- grid, liaison or plan it targets, the user it names, else its actor's;
-- with one zone, that one (a deployment of one zone has nothing to hide
-- from its own admins, and may have no admin of every zone). NULL: a row
-- of the whole deployment, for admins of every zone.
CREATE FUNCTION audit_zone(target text, actor bigint) RETURNS bigint LANGUAGE sql STABLE AS $$
  SELECT coalesce(
    CASE WHEN split_part(target, ':', 2) ~ '^[0-9]{1,18}$' THEN
      CASE split_part(target, ':', 1)
        WHEN 'zone' THEN split_part(target, ':', 2)::bigint
        WHEN 'organization' THEN (SELECT zone_id FROM organization WHERE id = split_part(target, ':', 2)::bigint)
        WHEN 'request' THEN (SELECT zone_id FROM request WHERE id = split_part(target, ':', 2)::bigint)
        WHEN 'grid' THEN (SELECT zone_id FROM grid WHERE id = split_part(target, ':', 2)::bigint)
        WHEN 'liaison' THEN (SELECT zone_id FROM liaison WHERE id = split_part(target, ':', 2)::bigint)
        WHEN 'rebalance_plan' THEN (SELECT zone_id FROM rebalance_plan WHERE id = split_part(target, ':', 2)::bigint)
      END
    END,
    CASE WHEN split_part(target, ':', 1) = 'user' THEN (SELECT zone_id FROM app_user WHERE username = substr(target, 6)) END,
    (SELECT zone_id FROM app_user WHERE id = actor),
    (SELECT min(id) FROM zone HAVING count(*) = 1))
$$;

UPDATE audit_log SET zone_id = audit_zone(target, actor_id);
