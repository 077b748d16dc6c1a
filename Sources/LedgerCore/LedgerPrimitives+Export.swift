// LedgerCore's clients see the primitives (JSONValue, CanonicalJSON, Hex, Digest, CryptoError) as part
// of LedgerCore: they moved to LedgerPrimitives so that EPAClient need not link the ledger and SQLite.
@_exported import LedgerPrimitives
