-- model-ledger schema, migration 0001: the append-only `entries` table.
-- Normative: ../docs/ledger-format.md. Every column except `mac` whose value is
-- not NULL is signed; later migrations may only ADD nullable columns.
CREATE TABLE entries (
    seq             INTEGER PRIMARY KEY,
    ledger_id       TEXT    NOT NULL,
    recorded_at     TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    actor           TEXT    NOT NULL,
    os_user         TEXT    NOT NULL,
    host            TEXT    NOT NULL,
    model           TEXT,
    api_key_id      TEXT,
    model_id        INTEGER,
    retrain_job_id  TEXT,
    reason          TEXT,
    request_method  TEXT,
    request_url     TEXT,
    http_status     INTEGER,
    response_body   TEXT,
    outcome         TEXT,
    error_code      TEXT,
    error_message   TEXT,
    duration_ms     INTEGER,
    ref_seq         INTEGER,
    details         TEXT,
    key_id          TEXT    NOT NULL,
    prev_mac        TEXT    NOT NULL,
    mac             TEXT    NOT NULL
) STRICT;

-- Rows are never changed or removed.
CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
BEGIN
    SELECT RAISE(ABORT, 'model-ledger: entries are append-only; UPDATE is not allowed');
END;

CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
BEGIN
    SELECT RAISE(ABORT, 'model-ledger: entries are append-only; DELETE is not allowed');
END;
