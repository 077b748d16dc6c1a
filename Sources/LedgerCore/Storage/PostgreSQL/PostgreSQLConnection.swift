import CLibPQ
import Foundation

/// One PostgreSQL connection (libpq). The raw `PGconn*` lives only here; `PGresult*` only here and
/// in `PostgreSQLResult`.
///
/// Every statement goes through `mlpq_execParams` with `$1…` placeholders: values travel as
/// parameters with explicit lengths (text as `bytea` bytes, integers as 8 bytes), never in the SQL
/// text, and results come back in binary format (read by `mlpq_getlength`, never up to a NUL).
///
/// Not thread-safe: use a connection from one thread at a time.
final class PostgreSQLConnection {
    private var handle: OpaquePointer
    /// The database, for messages (the URL without its password).
    let description: String
    /// The password of the URL, if any: scrubbed from any server or libpq message before it is shown.
    private let secrets: [String]
    /// Depth of `transaction` calls (cursors need a transaction).
    private(set) var inTransaction = false
    /// Counts transactions begun: a cursor closes itself only inside the transaction that declared it.
    private(set) var transactionNumber = 0
    private var cursorCounter = 0

    /// Connects to `url` (a libpq connection URL). Throws `PostgreSQLError` (`.connection`) with a
    /// message that names the database without its password.
    init(url: String) throws {
        description = LedgerDatabase.redacted(url)
        secrets = Self.passwords(in: url)
        // libpq is loaded on first use (CLibPQ), so that a SQLite ledger never maps it.
        guard mlpq_load() == 1 else {
            throw PostgreSQLError(
                code: .connection, sqlState: nil,
                message: "PostgreSQL support needs the libpq library (Debian: apt-get install libpq5): " + String(cString: mlpq_load_error()),
                context: "connecting to \(LedgerDatabase.redacted(url))")
        }
        guard let conn = mlpq_connectdb(url) else {
            throw PostgreSQLError(code: .connection, sqlState: nil, message: "out of memory", context: "connecting to \(LedgerDatabase.redacted(url))")
        }
        handle = conn
        guard mlpq_status(conn) == CONNECTION_OK else {
            // Every property is set: deinit runs when this throws, and it calls mlpq_finish (not here too).
            let message = Self.scrub(String(cString: mlpq_errorMessage(conn)), secrets: secrets)
            throw PostgreSQLError(code: .connection, sqlState: nil, message: message, context: "connecting to \(description)")
        }
        try configureSession()
    }

    deinit { mlpq_finish(handle) }

    /// The session settings of every connection: UTF-8, and a server-side limit on a transaction left
    /// open by a writer that hangs (it would hold the append lock and stop every other writer): the
    /// server ends such a session after 60 s, rolling its transaction back.
    private func configureSession() throws {
        try execute("SET client_encoding = 'UTF8'", context: "configuring the connection")
        try execute("SET idle_in_transaction_session_timeout = '60s'", context: "configuring the connection")
    }

    /// The password values a URL carries (user info and `password=`), decoded as libpq reads them.
    private static func passwords(in url: String) -> [String] {
        var found: [String] = []
        if let schemeEnd = url.range(of: "://") {
            let rest = url[schemeEnd.upperBound...]
            let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
            let authority = rest[..<authorityEnd]
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                found.append(String(authority[authority.index(after: colon)..<at]))
            }
            if let question = rest.firstIndex(of: "?") {
                for item in rest[rest.index(after: question)...].split(separator: "&") {
                    let parts = item.split(separator: "=", maxSplits: 1)
                    if parts.count == 2, LedgerDatabase.percentDecoded(String(parts[0])).lowercased() == "password" {
                        found.append(String(parts[1]))
                    }
                }
            }
        }
        return found.flatMap { [$0, LedgerDatabase.percentDecoded($0)] }.filter { !$0.isEmpty }
    }

    private static func scrub(_ message: String, secrets: [String]) -> String {
        var text = message.trimmingCharacters(in: .whitespacesAndNewlines)
        for secret in secrets { text = text.replacingOccurrences(of: secret, with: "***") }
        // One line: libpq's messages may span several.
        return text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// True when the connection is usable.
    var isHealthy: Bool { mlpq_status(handle) == CONNECTION_OK }

    /// True when no statement is in progress (no COPY left unread): the next one can be sent.
    var isIdle: Bool { mlpq_transactionStatus(handle) != PQTRANS_ACTIVE }

    /// Reconnects with the same parameters (after a lost connection, outside any transaction),
    /// trying for up to `patience` seconds: a server that restarts (`pg_ctl restart -m fast`) is
    /// back within a few seconds, and a writer should carry on rather than fail.
    func reset(patience: TimeInterval = 15) throws {
        let deadline = Date().addingTimeInterval(patience)
        var delay: useconds_t = 50_000
        while true {
            mlpq_reset(handle)
            if mlpq_status(handle) == CONNECTION_OK { break }
            guard Date() < deadline else {
                throw PostgreSQLError(
                    code: .connection, sqlState: nil, message: Self.scrub(String(cString: mlpq_errorMessage(handle)), secrets: secrets),
                    context: "reconnecting to \(description)")
            }
            usleep(delay)
            delay = min(delay * 2, 1_000_000)
        }
        inTransaction = false
        try configureSession()
    }

    // MARK: Running statements

    /// Runs `query` and returns its rows (binary format), or throws a typed error.
    @discardableResult
    func run(_ query: PostgreSQLQuery, context: String) throws -> PostgreSQLResult {
        let count = query.arguments.count
        var types = [Oid](repeating: 0, count: count)
        var formats = [Int32](repeating: 1, count: count)
        var lengths = [Int32](repeating: 0, count: count)
        // Every parameter's bytes in one buffer (offsets[i]; -1 for NULL), alive until mlpq_execParams returns.
        var bytes: [UInt8] = []
        var offsets = [Int](repeating: -1, count: count)
        for (i, value) in query.arguments.enumerated() {
            let start = bytes.count
            switch value {
            case .null:
                formats[i] = 0
                continue
            case .integer(let v):
                types[i] = 20  // int8
                withUnsafeBytes(of: v.bigEndian) { bytes.append(contentsOf: $0) }
            case .real(let v):
                types[i] = 701  // float8
                withUnsafeBytes(of: v.bitPattern.bigEndian) { bytes.append(contentsOf: $0) }
            case .text(let v):
                types[i] = 17  // bytea: the format's text is bytes (U+0000 included)
                bytes.append(contentsOf: v.utf8)
            case .blob(let v):
                types[i] = 17
                bytes.append(contentsOf: v)
            }
            offsets[i] = start
            lengths[i] = Int32(clamping: bytes.count - start)
        }
        bytes.append(0)  // a valid address for empty values (a nil pointer would mean NULL)
        let result: OpaquePointer? = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                let values: [UnsafePointer<CChar>?] = offsets.map { offset in
                    offset < 0 ? nil : chars.baseAddress.map { UnsafePointer($0 + offset) }
                }
                return mlpq_execParams(handle, query.sql, Int32(count), types, values, lengths, formats, 1)
            }
        }
        return try check(result, context: context)
    }

    /// Runs SQL with no parameters and no rows we need (several statements allowed: a migration).
    func execute(_ sql: String, context: String) throws {
        let result = mlpq_exec(handle, sql)
        _ = try check(result, context: context)
    }

    /// Wraps `result`, or throws its error.
    private func check(_ result: OpaquePointer?, context: String) throws -> PostgreSQLResult {
        guard let result else {
            throw PostgreSQLError(
                code: isHealthy ? .failed : .connection, sqlState: nil,
                message: Self.scrub(String(cString: mlpq_errorMessage(handle)), secrets: secrets), context: "\(context) (\(description))")
        }
        switch mlpq_resultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY, PGRES_SINGLE_TUPLE:
            return PostgreSQLResult(result)
        default:
            let sqlState = mlpq_resultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            let primary = mlpq_resultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) }
            let message = Self.scrub(primary ?? String(cString: mlpq_resultErrorMessage(result)), secrets: secrets)
            mlpq_clear(result)
            throw PostgreSQLError(
                code: PostgreSQLError.Code(sqlState: sqlState, healthy: isHealthy), sqlState: sqlState, message: message, context: "\(context) (\(description))"
            )
        }
    }

    /// The first column of the first row as an integer (nil for no row or NULL).
    func integer(_ query: PostgreSQLQuery, context: String) throws -> Int64? {
        let result = try run(query, context: context)
        return result.rowCount > 0 ? try result.int64(0, 0) : nil
    }

    /// The first column of the first row as text (nil for no row or NULL).
    func text(_ query: PostgreSQLQuery, context: String) throws -> String? {
        let result = try run(query, context: context)
        return result.rowCount > 0 ? result.string(0, 0) : nil
    }

    // MARK: Transactions

    /// Runs `body` between `begin` and COMMIT, rolling back when it throws.
    func transaction<T>(begin: String, context: String, _ body: () throws -> T) throws -> T {
        try execute(begin, context: context)
        inTransaction = true
        transactionNumber += 1
        defer { inTransaction = false }
        do {
            let result = try body()
            do {
                try execute("COMMIT", context: context)
            } catch let error as PostgreSQLError where error.code == .connection {
                // The server may or may not have committed: never retried as if nothing happened.
                throw PostgreSQLError(code: .commitOutcomeUnknown, sqlState: error.sqlState, message: error.message, context: error.context)
            }
            return result
        } catch {
            if isHealthy { try? execute("ROLLBACK", context: context) }
            throw error
        }
    }

    /// Runs `body` in the current transaction, or in a read-only snapshot of its own when there is
    /// none (server-side cursors live inside a transaction).
    func inSnapshot<T>(context: String, _ body: () throws -> T) throws -> T {
        if inTransaction { return try body() }
        return try transaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", context: context, body)
    }

    /// A fresh cursor name for this connection.
    func nextCursorName() -> String {
        cursorCounter += 1
        return "ledger_cursor_\(cursorCounter)"
    }

    /// Streams the rows of `query` in batches of `batchSize` through a server-side cursor (inside
    /// the current transaction, or a read-only one of its own): memory stays flat however many rows
    /// match. `body` gets each batch (valid during the call) and returns false to stop.
    func forEachBatch(
        _ query: PostgreSQLQuery, batchSize: Int = 5000, context: String, _ body: (PostgreSQLResult) throws -> Bool
    ) throws {
        try inSnapshot(context: context) {
            let cursor = try PostgreSQLCursor(connection: self, query: query, batchSize: batchSize, context: context)
            while true {
                let batch = cursor.batch
                guard batch.rowCount > 0, try body(batch), try cursor.nextBatch() else { return }
            }
        }
    }

    // MARK: COPY out

    /// Starts `COPY (…) TO STDOUT (FORMAT binary)` (`sql`, no parameters: COPY takes none) and
    /// returns a reader of its tuples: the server streams them without waiting for the client (no
    /// round trip per batch, as a cursor's FETCH has). `columnCount` is the number of fields every
    /// tuple must have. The connection is busy until the reader reaches the end or is closed.
    func copyOut(_ sql: String, columnCount: Int, context: String) throws -> PostgreSQLCopyReader {
        guard let result = mlpq_exec(handle, sql) else {
            _ = try check(nil, context: context)  // throws libpq's error
            throw PostgreSQLCopyReader.malformed("no result", context: context)
        }
        guard mlpq_resultStatus(result) == PGRES_COPY_OUT else {
            _ = try check(result, context: context)
            throw PostgreSQLCopyReader.malformed("the statement did not start a COPY", context: context)
        }
        mlpq_clear(result)
        return PostgreSQLCopyReader(source: PostgreSQLCopyOut(connection: self, context: context), columnCount: columnCount, context: context)
    }

    /// The next message of the COPY in progress: its length, -1 at the end, -2 on error (`mlpq_getCopyData`, synchronous).
    fileprivate func copyData(_ buffer: inout UnsafeMutablePointer<CChar>?) -> Int32 { mlpq_getCopyData(handle, &buffer, 0) }

    /// After the COPY's last message: reads every remaining result and throws the first error among them
    /// (an error the server raised while producing the rows arrives here).
    fileprivate func finishCopy(context: String) throws {
        var failure: (any Error)?
        while let result = mlpq_getResult(handle) {
            do { _ = try check(result, context: context) } catch { if failure == nil { failure = error } }
        }
        if let failure { throw failure }
    }

    /// libpq's message for the last failure, without secrets.
    fileprivate func lastError(context: String) -> PostgreSQLError {
        PostgreSQLError(
            code: isHealthy ? .failed : .connection, sqlState: nil, message: Self.scrub(String(cString: mlpq_errorMessage(handle)), secrets: secrets),
            context: "\(context) (\(description))")
    }

    /// The libpq version, e.g. 150018.
    static var libraryVersion: Int32 { mlpq_libVersion() }
}

/// A SQL statement for PostgreSQL and its arguments, built together: every value is bound to the
/// numbered placeholder (`$N`) the builder writes for it.
struct PostgreSQLQuery {
    private(set) var sql: String
    private(set) var arguments: [SQLValue]

    init(_ sql: String, _ arguments: [SQLValue] = []) {
        self.sql = sql
        self.arguments = arguments
    }

    /// A placeholder bound to `value` (`$N`).
    mutating func bind(_ value: SQLValue) -> String {
        arguments.append(value)
        return "$\(arguments.count)"
    }

    /// Appends SQL text (no values in it).
    mutating func append(_ text: String) { sql += text }

    /// Puts SQL text (no values in it) before the statement.
    mutating func prepend(_ text: String) { sql = text + sql }
}

/// Conditions joined with AND, each written with its bound values (PostgreSQL placeholders).
struct PostgreSQLConditions {
    private(set) var clauses: [String] = []
    private var query: PostgreSQLQuery

    /// Conditions whose placeholders continue after those of `query`.
    init(after query: PostgreSQLQuery = PostgreSQLQuery("")) {
        self.query = PostgreSQLQuery("", query.arguments)
    }

    /// `column op $N`, with `value` bound to `$N`. Nil adds nothing.
    mutating func add(_ column: String, _ comparison: SQLConditions.Comparison = .equals, _ value: SQLValue?) {
        guard let value else { return }
        clauses.append("\(column) \(comparison.rawValue) \(query.bind(value))")
    }

    /// A condition written with its placeholders bound through `bind`.
    mutating func add(_ clause: (inout PostgreSQLQuery) -> String) {
        clauses.append(clause(&query))
    }

    var arguments: [SQLValue] { query.arguments }

    /// `WHERE a AND b …`, or the empty string.
    var whereClause: String { clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ") }

    /// The whole statement: `sql` with the conditions' arguments.
    func query(_ sql: String) -> PostgreSQLQuery { PostgreSQLQuery(sql, arguments) }
}

/// A failing PostgreSQL call: what the ledger was doing, the database (without password), the
/// server's SQLSTATE and primary message (never a bound value: values travel as parameters).
public struct PostgreSQLError: Error, LocalizedError, Equatable {
    /// What kind of failure, for the adapter's retry rules and for callers.
    public struct Code: RawRepresentable, Hashable, Sendable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// The connection could not be made or was lost.
        public static let connection = Code(rawValue: "connection")
        /// A serialization failure (40001) or deadlock (40P01): safe to retry before commit.
        public static let retryable = Code(rawValue: "retryable")
        /// A unique or primary-key violation (23505): e.g. two writers claimed one seq.
        public static let uniqueViolation = Code(rawValue: "unique_violation")
        /// A trigger or check refused the statement (P0001 raised by the ledger's triggers, 42501 no privilege).
        public static let refused = Code(rawValue: "refused")
        /// A missing table or column (42P01, 42703): not a ledger, or an older schema.
        public static let undefinedObject = Code(rawValue: "undefined_object")
        /// The connection was lost during COMMIT: the transaction may or may not have committed.
        public static let commitOutcomeUnknown = Code(rawValue: "commit_outcome_unknown")
        /// Anything else.
        public static let failed = Code(rawValue: "failed")

        init(sqlState: String?, healthy: Bool) {
            guard healthy else {
                self = .connection
                return
            }
            switch sqlState {
            case "40001", "40P01": self = .retryable
            case "23505": self = .uniqueViolation
            case "P0001", "42501": self = .refused
            case "42P01", "42703": self = .undefinedObject
            case let state? where state.hasPrefix("08") || state.hasPrefix("57P"): self = .connection
            default: self = .failed
            }
        }
    }

    public let code: Code
    /// The server's SQLSTATE, when it sent one.
    public let sqlState: String?
    /// The server's (or libpq's) message, with any password of the URL replaced by `***`.
    public let message: String
    /// What the ledger was doing, and the database.
    public let context: String

    public var errorDescription: String? {
        "\(context): \(message)" + (sqlState.map { " (SQLSTATE \($0))" } ?? "")
    }
}

/// Where a binary COPY's bytes come from: one message at a time (any split of the stream is valid).
protocol PostgreSQLCopySource: AnyObject {
    /// The next message's bytes, valid until the next call; nil after the last one (the server's
    /// final status checked). Throws on a failed transfer.
    func nextMessage() throws -> UnsafeRawBufferPointer?
    /// Leaves the connection ready for the next statement when the reader stops before the end:
    /// the rest of the data is read and dropped, the final status read. Does nothing after the end.
    func drain()
}

/// The messages of the connection's COPY TO STDOUT in progress (`mlpq_getCopyData`, synchronous).
final class PostgreSQLCopyOut: PostgreSQLCopySource {
    private let connection: PostgreSQLConnection
    private let context: String
    private var buffer: UnsafeMutablePointer<CChar>?
    private var ended = false

    fileprivate init(connection: PostgreSQLConnection, context: String) {
        self.connection = connection
        self.context = context
    }

    deinit { drain() }

    private func release() {
        if let buffer { mlpq_freemem(buffer) }
        buffer = nil
    }

    func nextMessage() throws -> UnsafeRawBufferPointer? {
        release()
        guard !ended else { return nil }
        let count = connection.copyData(&buffer)
        if count > 0 { return UnsafeRawBufferPointer(start: buffer, count: Int(count)) }
        release()
        ended = true
        if count == -1 {
            try connection.finishCopy(context: context)
            return nil
        }
        let error = connection.lastError(context: context)
        try? connection.finishCopy(context: context)
        throw error
    }

    func drain() {
        release()
        guard !ended else { return }
        ended = true
        while true {
            let count = connection.copyData(&buffer)
            release()
            if count <= 0 { break }
        }
        try? connection.finishCopy(context: context)
    }
}

/// Reads the tuples of a binary COPY stream (`COPY … TO STDOUT (FORMAT binary)`): the 11-byte
/// signature `PGCOPY\n\377\r\n\0`, int32 flags, int32 header-extension length and the extension;
/// then per tuple an int16 field count (-1: the trailer, the end of data) and per field an int32
/// length (-1: NULL) and that many bytes, in the types' binary encodings (as binary results).
///
/// Every length is checked against the bytes received: a truncated, corrupt or hostile stream
/// throws `PostgreSQLError` (`.failed`, "malformed binary COPY data: …"), never reads out of bounds.
/// The current tuple's values point into the received messages and stay valid until `next`.
final class PostgreSQLCopyReader {
    private let source: any PostgreSQLCopySource
    let columnCount: Int
    private let context: String
    /// The bytes being parsed: a message of the source, or `pending` when a tuple spans messages.
    private var window = UnsafeRawBufferPointer(start: nil, count: 0)
    private var position = 0
    private var pending: UnsafeMutableRawPointer
    private var pendingCapacity: Int
    private var headerRead = false
    private var trailerRead = false
    private var ended = false
    /// Per field of the current tuple: where its bytes start, and its length (-1 for NULL).
    private let starts: UnsafeMutablePointer<UnsafeRawPointer?>
    private let lengths: UnsafeMutablePointer<Int>

    static let signature: [UInt8] = [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00]

    init(source: any PostgreSQLCopySource, columnCount: Int, context: String) {
        self.source = source
        self.columnCount = max(0, columnCount)
        self.context = context
        pendingCapacity = 4096
        pending = UnsafeMutableRawPointer.allocate(byteCount: pendingCapacity, alignment: 8)
        starts = .allocate(capacity: max(1, self.columnCount))
        starts.initialize(repeating: nil, count: max(1, self.columnCount))
        lengths = .allocate(capacity: max(1, self.columnCount))
        lengths.initialize(repeating: -1, count: max(1, self.columnCount))
    }

    deinit {
        source.drain()
        pending.deallocate()
        starts.deallocate()
        lengths.deallocate()
    }

    /// Reads the rest of the stream and drops it (the connection is then ready for the next
    /// statement): for a reader that stops early. Does nothing at the end.
    func close() {
        ended = true
        source.drain()
    }

    static func malformed(_ detail: String, context: String) -> PostgreSQLError {
        PostgreSQLError(code: .failed, sqlState: nil, message: "malformed binary COPY data: \(detail)", context: context)
    }

    /// True when field `column` of the current tuple is NULL.
    @inline(__always)
    func isNull(_ column: Int) -> Bool { lengths[column] < 0 }

    /// The bytes of field `column` of the current tuple (empty for NULL), valid until `next`.
    @inline(__always)
    func bytes(_ column: Int) -> UnsafeRawBufferPointer {
        let count = lengths[column]
        guard count > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: starts[column], count: count)
    }

    /// Moves to the next tuple: false after the trailer (the server's final status checked).
    func next() throws -> Bool {
        guard !ended else { return false }
        while true {
            switch try parse() {
            case .tuple: return true
            case .end:
                // Nothing may follow the trailer: not in this message, nor in another one.
                guard position == window.count else { throw Self.malformed("data after the trailer", context: context) }
                while let more = try source.nextMessage() {
                    if more.count > 0 { throw Self.malformed("data after the trailer", context: context) }
                }
                ended = true
                return false
            case .needMore:
                try receive()
            }
        }
    }

    private enum Step { case tuple, end, needMore }

    /// Appends the next message to the unparsed bytes (without a copy when none are left over).
    private func receive() throws {
        let leftover = window.count - position
        if leftover > 0, let base = window.baseAddress {
            // Kept before the source frees its message (memmove: the window may be `pending` itself,
            // which is then large enough already).
            reserve(leftover, keeping: 0)
            memmove(pending, base + position, leftover)
        }
        window = UnsafeRawBufferPointer(start: nil, count: 0)
        position = 0
        guard let message = try source.nextMessage() else {
            ended = true
            throw Self.malformed(headerRead ? "the stream ended inside a tuple or before the trailer" : "the stream ended inside the header", context: context)
        }
        if leftover == 0 {
            window = message
        } else {
            reserve(leftover + message.count, keeping: leftover)
            if let from = message.baseAddress, message.count > 0 { (pending + leftover).copyMemory(from: from, byteCount: message.count) }
            window = UnsafeRawBufferPointer(start: pending, count: leftover + message.count)
        }
    }

    /// Makes `pending` hold at least `count` bytes, keeping its first `keeping` bytes.
    private func reserve(_ count: Int, keeping: Int) {
        guard count > pendingCapacity else { return }
        var capacity = pendingCapacity
        while capacity < count { capacity *= 2 }
        let grown = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
        if keeping > 0 { grown.copyMemory(from: pending, byteCount: keeping) }
        pending.deallocate()
        pending = grown
        pendingCapacity = capacity
    }

    @inline(__always)
    private func int32(_ offset: Int) -> Int {
        Int(Int32(bigEndian: window.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
    }

    /// Parses the header (once) and one tuple at `position`, or says more bytes are needed.
    @inline(__always)
    private func parse() throws -> Step {
        var at = position
        let end = window.count
        if !headerRead {
            guard end - at >= 19 else { return .needMore }
            for (i, byte) in Self.signature.enumerated() where window[at + i] != byte {
                throw Self.malformed("the signature is wrong", context: context)
            }
            let flags = int32(at + 11)
            // Bits 0-15 are critical (and 16, OIDs, is no longer produced): a reader must refuse them.
            guard flags & 0x1FFFF == 0 else { throw Self.malformed("unknown critical flags \(flags)", context: context) }
            let extensionLength = int32(at + 15)
            guard extensionLength >= 0 else { throw Self.malformed("negative header extension length", context: context) }
            guard end - at - 19 >= extensionLength else { return .needMore }
            at += 19 + extensionLength
            headerRead = true
            position = at
        }
        guard !trailerRead else { return .end }
        guard end - at >= 2 else { return .needMore }
        let fields = Int(Int16(bigEndian: window.loadUnaligned(fromByteOffset: at, as: Int16.self)))
        at += 2
        if fields == -1 {
            position = at
            trailerRead = true
            return .end
        }
        guard fields == columnCount else { throw Self.malformed("a tuple has \(fields) fields, expected \(columnCount)", context: context) }
        guard let base = window.baseAddress else { return .needMore }
        for k in 0..<columnCount {
            guard end - at >= 4 else { return .needMore }
            let length = int32(at)
            at += 4
            if length == -1 {
                lengths[k] = -1
                continue
            }
            guard length >= 0 else { throw Self.malformed("negative field length \(length)", context: context) }
            guard end - at >= length else { return .needMore }
            starts[k] = UnsafeRawPointer(base + at)
            lengths[k] = length
            at += length
        }
        position = at
        return .tuple
    }
}
