-- model-ledger schema, migration 0005: `db_role`, the database role that wrote a row.
-- Set by PostgreSQL writers (session_user, enforced there by a trigger) before signing;
-- SQLite writers leave it NULL, so it is left out of the signed payload and every
-- existing mac is unchanged (the format's NULL-omission rule).
ALTER TABLE entries ADD COLUMN db_role TEXT;
