-- Signed-in users cached by the server (issue 14): a request's token or
-- session is looked up once and kept for up to a minute (the lookup was a
-- database round trip, and for a session a committed write, on every
-- request). A server trusts its cache only while it listens on
-- 'gridgis_auth', and forgets all of it at every notification, which
-- these triggers send after any change that can end a credential or
-- change who its user is or what they may see: a token revoked, expired
-- or deleted, a session ended, a user changed (role, disabled, zone,
-- liaison, password) or deleted, a user's grids changed, and a grid or
-- liaison moved to another zone or deleted (a user's zone can come from
-- them). The lookups' own writes (api_token.last_used_at,
-- session.last_seen_at) send nothing: a cache entry would otherwise end
-- the moment it was made. New tokens and sessions send nothing either:
-- only found credentials are cached, never a refusal.
--
-- One payload for all: PostgreSQL folds repeats within a transaction, so
-- a statement over many rows, or many statements, notify once.

CREATE FUNCTION auth_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('gridgis_auth', '');
  RETURN NULL;
END $$;

CREATE TRIGGER auth_notify_token_upd AFTER UPDATE OF user_id, token_hash, expires_at, revoked_at ON api_token
  FOR EACH STATEMENT EXECUTE FUNCTION auth_notify();
CREATE TRIGGER auth_notify_token_del AFTER DELETE OR TRUNCATE ON api_token
  FOR EACH STATEMENT EXECUTE FUNCTION auth_notify();

CREATE TRIGGER auth_notify_session_upd AFTER UPDATE OF id_hash, user_id, expires_at ON session
  FOR EACH STATEMENT EXECUTE FUNCTION auth_notify();
CREATE TRIGGER auth_notify_session_del AFTER DELETE OR TRUNCATE ON session
  FOR EACH STATEMENT EXECUTE FUNCTION auth_notify();

CREATE TRIGGER auth_notify_user AFTER UPDATE OR DELETE OR TRUNCATE ON app_user
  FOR EACH STATEMENT EXECUTE FUNCTION auth_notify();

CREATE TRIGGER auth_notify_user_grid AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON user_grid
  FOR EACH STATEMENT EXECUTE FUNCTION auth_notify();

CREATE TRIGGER auth_notify_grid AFTER UPDATE OF zone_id OR DELETE OR TRUNCATE ON grid
  FOR EACH STATEMENT EXECUTE FUNCTION auth_notify();

CREATE TRIGGER auth_notify_liaison AFTER UPDATE OF zone_id OR DELETE OR TRUNCATE ON liaison
  FOR EACH STATEMENT EXECUTE FUNCTION auth_notify();
