-- model-ledger schema, migration 0002: indexes for `ledger log` and reports.
CREATE INDEX entries_by_model ON entries (model, seq);
CREATE INDEX entries_by_kind ON entries (kind, seq);
CREATE INDEX entries_by_ref_seq ON entries (ref_seq) WHERE ref_seq IS NOT NULL;
