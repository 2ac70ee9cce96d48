-- Idempotency-Key of write requests: a key is per user. The row is
-- inserted in the same transaction as the write it guards, so it exists
-- exactly when the write committed; the answer is saved right after, for
-- retries to get it again. status stays NULL while the request runs (or
-- when its answer was lost); body is NULL when the answer is not kept
-- (it carried a secret). Rows older than 24 hours are forgotten.
CREATE TABLE idempotency_key (
  user_id      bigint NOT NULL REFERENCES app_user ON DELETE CASCADE,
  key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
  fingerprint  bytea NOT NULL,
  method       text NOT NULL,
  path         text NOT NULL,
  created_at   timestamptz NOT NULL,
  status       integer,
  content_type text,
  location     text,
  body         bytea,
  PRIMARY KEY (user_id, key)
);
-- The hourly clean-up deletes by age.
CREATE INDEX idempotency_key_created_at_idx ON idempotency_key (created_at);
