-- Sign-in throttling kept in the database, so a restart does not clear it.
-- Failed sign-ins per account (lower-case username) and client address. An
-- attempt is counted before its password is checked; a success deletes its
-- pair's row. Sums per address and per account come from the same rows.
CREATE TABLE login_failure (
    account     text        NOT NULL,
    client_addr text        NOT NULL,
    failures    integer     NOT NULL CHECK (failures >= 0),
    last_at     timestamptz NOT NULL,
    PRIMARY KEY (account, client_addr)
);
CREATE INDEX login_failure_addr_idx ON login_failure (client_addr);
CREATE INDEX login_failure_last_at_idx ON login_failure (last_at);

-- Addresses an account has signed in from: they may still try when the
-- account's failures from everywhere pass its limit.
CREATE TABLE login_known_addr (
    account         text        NOT NULL,
    client_addr     text        NOT NULL,
    last_success_at timestamptz NOT NULL,
    PRIMARY KEY (account, client_addr)
);
CREATE INDEX login_known_addr_last_idx ON login_known_addr (last_success_at);
