/// The columns the chain rules compare, as a row scanner marks them (SQLite's and PostgreSQL's
/// scanners read each column once and keep these for the checker).
enum ScannedColumnRole: UInt8 { case none, seq, ledgerID, prevMac, keyID, kind }

/// What one scan of a row's columns found: the raw bytes of the columns the chain rules compare
/// (valid until the scanner moves to the next row), nil when a column is not text.
struct ScannedRowFacts {
    var badColumn = -1
    var seq: Int64?
    var ledgerID: UnsafeRawBufferPointer?
    var prevMac: UnsafeRawBufferPointer?
    var keyID: UnsafeRawBufferPointer?
    var kind: UnsafeRawBufferPointer?
}
