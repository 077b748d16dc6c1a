-- model-ledger schema, migration 0004: the public tree's state (transparency.md).
-- Derived data: not signed, rebuildable from the entries (`ledger tree rebuild`), and never
-- trusted by a verifier, which recomputes what it checks. Level 0 holds the RFC 6962 leaf hash
-- of entry seq = idx + 1; levels 8, 16, 24, … hold the roots of complete subtrees of 256^k
-- leaves (tiles), so that any subtree hash is folded from at most 256 stored hashes.
CREATE TABLE tree_nodes (
    level INTEGER NOT NULL,
    idx   INTEGER NOT NULL,
    hash  BLOB NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;
