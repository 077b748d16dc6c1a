import CLibPQ
import Foundation

/// The rows of one statement, in binary format: values are read by their byte length
/// (`mlpq_getlength`), never as C strings, so a value holding U+0000 is read whole. The raw
/// `PGresult*` is freed with this object.
final class PostgreSQLResult {
    let handle: OpaquePointer
    let rowCount: Int
    let columnCount: Int

    init(_ handle: OpaquePointer) {
        self.handle = handle
        rowCount = Int(mlpq_ntuples(handle))
        columnCount = Int(mlpq_nfields(handle))
    }

    deinit { mlpq_clear(handle) }

    /// Type oids of the columns the adapter reads.
    enum TypeOID {
        static let bool: Oid = 16
        static let bytea: Oid = 17
        static let name: Oid = 19
        static let int8: Oid = 20
        static let int2: Oid = 21
        static let int4: Oid = 23
        static let text: Oid = 25
        static let varchar: Oid = 1043
    }

    /// Name of column `column` (a name never holds NUL: read as a C string by libpq's API).
    func columnName(_ column: Int) -> String {
        mlpq_fname(handle, Int32(column)).map { String(cString: $0) } ?? ""
    }

    /// Type oid of column `column`.
    @inline(__always)
    func type(_ column: Int) -> Oid { mlpq_ftype(handle, Int32(column)) }

    @inline(__always)
    func isNull(_ row: Int, _ column: Int) -> Bool { mlpq_getisnull(handle, Int32(row), Int32(column)) != 0 }

    /// The value's bytes (valid while this result lives), empty for NULL.
    @inline(__always)
    func bytes(_ row: Int, _ column: Int) -> UnsafeRawBufferPointer {
        let r = Int32(row), c = Int32(column)
        let count = Int(mlpq_getlength(handle, r, c))
        guard count > 0, let p = mlpq_getvalue(handle, r, c) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: p, count: count)
    }

    /// True when the column holds integers (int2, int4, int8).
    @inline(__always)
    func isInteger(_ column: Int) -> Bool {
        let t = type(column)
        return t == TypeOID.int8 || t == TypeOID.int4 || t == TypeOID.int2
    }

    /// True when the column holds text (bytea — the format's text —, text, name, varchar).
    @inline(__always)
    func isText(_ column: Int) -> Bool {
        let t = type(column)
        return t == TypeOID.bytea || t == TypeOID.text || t == TypeOID.name || t == TypeOID.varchar
    }

    /// The integer in `row`/`column`: nil for NULL; throws for a value that is not a binary
    /// int2/int4/int8 of its exact width (parsed strictly, never guessed).
    @inline(__always)
    func int64(_ row: Int, _ column: Int) throws -> Int64? {
        if isNull(row, column) { return nil }
        let value = bytes(row, column)
        switch (type(column), value.count) {
        case (TypeOID.int8, 8): return Int64(bigEndian: value.loadUnaligned(as: Int64.self))
        case (TypeOID.int4, 4): return Int64(Int32(bigEndian: value.loadUnaligned(as: Int32.self)))
        case (TypeOID.int2, 2): return Int64(Int16(bigEndian: value.loadUnaligned(as: Int16.self)))
        default:
            throw PostgreSQLError(
                code: .failed, sqlState: nil, message: "column \(columnName(column)) is not an integer (type \(type(column)))",
                context: "reading a row")
        }
    }

    /// The integer, or nil for NULL or a value that is not an integer.
    @inline(__always)
    func optionalInt64(_ row: Int, _ column: Int) -> Int64? {
        (try? int64(row, column)) ?? nil
    }

    /// The value as a String (UTF-8 decoded; nil for NULL or a non-text column).
    func string(_ row: Int, _ column: Int) -> String? {
        guard !isNull(row, column), isText(column) else { return nil }
        return String(decoding: bytes(row, column), as: UTF8.self)
    }

    /// The value as the adapter's neutral value (text columns as `.text`, integers as `.integer`,
    /// booleans as 0/1; anything else as `.blob`, which the format does not allow).
    func value(_ row: Int, _ column: Int) -> SQLValue {
        if isNull(row, column) { return .null }
        if isText(column) { return .text(String(decoding: bytes(row, column), as: UTF8.self)) }
        if isInteger(column), let integer = optionalInt64(row, column) { return .integer(integer) }
        if type(column) == TypeOID.bool { return .integer(bytes(row, column).first == 1 ? 1 : 0) }
        return .blob(Array(bytes(row, column)))
    }

    /// Row `row` as a dictionary keyed by column name.
    func row(_ row: Int) -> [String: SQLValue] {
        var values: [String: SQLValue] = [:]
        for c in 0..<columnCount { values[columnName(c)] = value(row, c) }
        return values
    }

    /// Every row as a dictionary.
    func rows() -> [[String: SQLValue]] {
        (0..<rowCount).map { row($0) }
    }
}
