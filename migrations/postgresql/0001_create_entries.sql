-- model-ledger PostgreSQL schema, migration 0001: the append-only `entries` table, its guards,
-- the indexes of `ledger log` and the reports, and the public tree's derived state.
-- The same columns and meaning as migrations/sqlite/0001-0005 (normative: ../docs/ledger-format.md).
-- The format's text columns are `bytea`: a value may hold U+0000, which PostgreSQL's `text` cannot
-- store; the bytes are the value's UTF-8, compared byte by byte (as SQLite's BINARY collation).
-- Integers are `bigint`. Every column except `mac` whose value is not NULL is signed; later
-- migrations may only ADD nullable columns.
CREATE TABLE entries (
    seq             bigint  PRIMARY KEY,
    ledger_id       bytea   NOT NULL,
    recorded_at     bytea   NOT NULL,
    kind            bytea   NOT NULL,
    actor           bytea   NOT NULL,
    os_user         bytea   NOT NULL,
    host            bytea   NOT NULL,
    model           bytea,
    api_key_id      bytea,
    model_id        bigint,
    retrain_job_id  bytea,
    reason          bytea,
    request_method  bytea,
    request_url     bytea,
    http_status     bigint,
    response_body   bytea,
    outcome         bytea,
    error_code      bytea,
    error_message   bytea,
    duration_ms     bigint,
    ref_seq         bigint,
    details         bytea,
    key_id          bytea   NOT NULL,
    prev_mac        bytea   NOT NULL,
    mac             bytea   NOT NULL,
    db_role         bytea,
    -- A backstop for the advisory lock that serialises appends: two rows can never extend the same one.
    CONSTRAINT entries_prev_mac_unique UNIQUE (prev_mac)
);

-- Rows are never changed or removed. Only the table's owner can drop or disable these triggers;
-- the application role gets INSERT and SELECT only (docs/postgresql.md).
CREATE FUNCTION ledger_entries_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'model-ledger: entries are append-only; % is not allowed', TG_OP;
END;
$$;

CREATE TRIGGER entries_no_update_or_delete BEFORE UPDATE OR DELETE ON entries
    FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only();

CREATE TRIGGER entries_no_truncate BEFORE TRUNCATE ON entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_append_only();

-- `db_role` is the role that wrote the row, as PostgreSQL authenticated it: a row claiming any
-- other role (or none) is refused, unless the session's role owns the table or is a superuser
-- (who can drop this trigger anyway): `ledger copy` into PostgreSQL runs as the owner and keeps
-- the copied rows' roles.
CREATE FUNCTION ledger_entries_db_role() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.db_role IS NOT DISTINCT FROM pg_catalog.convert_to(session_user::text, 'UTF8') THEN
        RETURN NEW;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_class c
               WHERE c.oid = TG_RELID AND c.relowner = (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = session_user))
       OR EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = session_user AND r.rolsuper) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'model-ledger: db_role must be the role that writes the row (%)', session_user;
END;
$$;

CREATE TRIGGER entries_db_role BEFORE INSERT ON entries
    FOR EACH ROW EXECUTE FUNCTION ledger_entries_db_role();

-- `ledger log` and reports (SQLite 0002).
CREATE INDEX entries_by_model ON entries (model, seq);
CREATE INDEX entries_by_kind ON entries (kind, seq);
CREATE INDEX entries_by_ref_seq ON entries (ref_seq) WHERE ref_seq IS NOT NULL;

-- Switch requests of one model in a period, and in a period of any model (SQLite 0003).
CREATE INDEX entries_switch_requests_by_model ON entries (model, recorded_at, seq)
    WHERE kind = 'switch.requested'::bytea;
CREATE INDEX entries_switch_requests_by_time ON entries (recorded_at, seq)
    WHERE kind = 'switch.requested'::bytea;

-- The completions of a request (switch.completed / switch.resolved), found from its seq.
CREATE INDEX entries_switch_completions ON entries (ref_seq, seq)
    WHERE ref_seq IS NOT NULL AND kind IN ('switch.completed'::bytea, 'switch.resolved'::bytea);

-- Succeeded switches of one model by time (report --as-of: which job was live).
CREATE INDEX entries_switch_successes ON entries (model, recorded_at, seq)
    WHERE outcome = 'succeeded'::bytea AND kind IN ('switch.completed'::bytea, 'switch.resolved'::bytea);

-- The public tree's state (transparency.md; SQLite 0004). Derived data, not evidence: not signed,
-- rebuildable from the entries (`ledger tree rebuild`), never trusted by a verifier.
CREATE TABLE tree_nodes (
    level integer NOT NULL,
    idx   bigint  NOT NULL,
    hash  bytea   NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, idx)
);
