import CLibPQ
import Foundation

/// One prepared statement of a ``PostgresConnection``: the store's SQL with its `?` placeholders numbered `$1…$n`,
/// prepared on the server once per session under a name of the connection's (`s1`, `s2`…), bound and run through
/// `PQexecPrepared`.
///
/// Parameters are sent without declared types, so the server infers each from its context (a column, an operator);
/// ``describe(_:)`` asks it what it inferred when the statement is first prepared. Integers, reals and texts go in
/// text format (the server parses them into whatever it inferred: `42` into a BIGINT, `1.5` into a DOUBLE
/// PRECISION). Blobs go in binary format, raw bytes, which a BYTEA parameter takes as they are; so does a text bound
/// to a BYTEA parameter (its UTF-8 bytes), and a text holding a NUL byte (so that PostgreSQL refuses it — a TEXT
/// cannot hold NUL — instead of libpq cutting it at the NUL). A blob bound to a TEXT parameter arrives as text when
/// its bytes are valid UTF-8, and is refused otherwise.
///
/// Results come back in binary format when every column is of a type decoded here from its binary form (the
/// integers, floats, bool, text types, BYTEA: the store's schema uses only these), so a BYTEA column arrives as its
/// bytes rather than as twice as many hex digits; otherwise in text format (NUMERIC from `sum()`, anything else),
/// BYTEA then decoded from its `\x` hex form.
///
/// Bindings last until the next `run()` or `rows()`, which clears them (an unbound parameter is NULL), as SQLite's
/// statements do in `RawStatement`. Used only by its connection's current thread.
final class PostgresStatement: StoreStatement {
    /// The statement as the store wrote it (`?` placeholders); the connection's cache key.
    let sql: String
    /// The statement as PostgreSQL reads it (`$1…$n`).
    let numberedSQL: String
    /// How many placeholders the statement has.
    let parameterCount: Int
    /// The name it is prepared under; a fresh one at every preparation, from the connection's counter.
    private(set) var name = ""
    /// The connection's ``PostgresConnection/preparationEpoch`` when it was last prepared: a new session (after a
    /// reconnect) or a cleared cache no longer has it, and the next use prepares it again.
    private(set) var preparedEpoch = -1
    /// Whether ``describe(_:)`` ran (once: what the server infers does not change between sessions).
    private(set) var isDescribed = false
    /// Each parameter's type as the server inferred it (the first preparation's ``describe(_:)``).
    private(set) var parameterTypes: [Oid] = []
    /// The result's column names and types (none for a statement that returns no rows).
    private(set) var columnNames: [String] = []
    private(set) var columnTypes: [Oid] = []
    /// Whether results are asked for in binary format (every column's type decodes from its binary form).
    private(set) var binaryResults = true

    /// The bound values' bytes, one after the other; byte 0 is a sentinel, so that a zero-length value (an empty
    /// blob) still has a non-NULL address (libpq takes a NULL address for SQL NULL).
    private var arena: [UInt8] = [0]
    /// Where each parameter's value lies in `arena` and its format (0 text, NUL-terminated; 1 binary); `nil` is NULL.
    private var slots: [(offset: Int, length: Int32, format: Int32)?]
    /// A bind to a placeholder that does not exist, reported by the next run.
    private var bindError: String?

    /// The connection this statement belongs to (which owns it through its cache).
    private unowned let connection: PostgresConnection

    /// A statement for `sql`, not yet prepared.
    init(_ sql: String, connection: PostgresConnection) {
        self.sql = sql
        (numberedSQL, parameterCount) = Self.numberingPlaceholders(sql)
        slots = Array(repeating: nil, count: parameterCount)
        self.connection = connection
    }

    /// Records what the server made of the statement once it is prepared as `name` (`PQdescribePrepared`): the
    /// parameters' inferred types and the result's columns, which choose each value's format.
    func describe(_ description: OpaquePointer) {
        isDescribed = true
        parameterTypes = (0..<PQnparams(description)).map { PQparamtype(description, $0) }
        let columns = 0..<PQnfields(description)
        columnNames = columns.map { String(cString: PQfname(description, $0)) }
        columnTypes = columns.map { PQftype(description, $0) }
        binaryResults = columnTypes.allSatisfy(PostgresType.decodesBinary)
    }

    /// Notes that the statement is now prepared as `name` in the connection's current preparation epoch.
    func prepared(as name: String, epoch: Int) {
        self.name = name
        preparedEpoch = epoch
    }

    // MARK: Binding

    func bindNull(_ index: Int32) {
        guard let slot = slot(index) else { return }
        slots[slot] = nil
    }

    func bind(_ index: Int32, _ value: Int64) {
        guard let slot = slot(index) else { return }
        var text = String(value)
        text.withUTF8 { store($0, at: slot, format: 0) }
    }

    func bind(_ index: Int32, _ value: Double) {
        guard let slot = slot(index) else { return }
        // PostgreSQL's float8in spells the specials its own way; Swift's description is the shortest round trip.
        var text =
            value.isNaN ? "NaN" : value == .infinity ? "Infinity" : value == -.infinity ? "-Infinity" : "\(value)"
        text.withUTF8 { store($0, at: slot, format: 0) }
    }

    func bind(_ index: Int32, _ value: String) {
        guard let slot = slot(index) else { return }
        var value = value
        value.withUTF8 { bytes in
            let binary = parameterTypes.count > slot && parameterTypes[slot] == PostgresType.bytea || bytes.contains(0)
            store(bytes, at: slot, format: binary ? 1 : 0)
        }
    }

    func bind(_ index: Int32, bytes: UnsafeRawBufferPointer) {
        guard let slot = slot(index) else { return }
        store(
            UnsafeBufferPointer(start: bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), count: bytes.count),
            at: slot, format: 1)
    }

    /// The slot of placeholder `index` (numbered from 1), or `nil` (and an error for the next run) when there is
    /// no such placeholder.
    private func slot(_ index: Int32) -> Int? {
        guard index >= 1, Int(index) <= parameterCount else {
            bindError = "no placeholder \(index) in a statement of \(parameterCount)"
            return nil
        }
        return Int(index) - 1
    }

    /// Copies `bytes` into the arena as parameter `slot`'s value; a text-format value gets its terminating NUL.
    private func store(_ bytes: UnsafeBufferPointer<UInt8>, at slot: Int, format: Int32) {
        let offset = arena.count
        arena.append(contentsOf: bytes)
        if format == 0 { arena.append(0) }
        slots[slot] = (offset, Int32(bytes.count), format)
    }

    /// Forgets every binding (after a run); a large arena is given back rather than kept for the next use.
    private func clearBindings() {
        arena.removeAll(keepingCapacity: arena.capacity <= 64 * 1024)
        arena.append(0)
        for index in slots.indices { slots[index] = nil }
        bindError = nil
    }

    // MARK: Running

    @discardableResult
    func run() throws -> Int {
        let result = try execute(resultFormat: 0)
        defer { PQclear(result) }
        return Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    func rows() throws -> [StoreRow] {
        let binary = binaryResults
        let result = try execute(resultFormat: binary ? 1 : 0)
        defer { PQclear(result) }
        let columnCount = PQnfields(result)
        let names =
            columnCount == columnNames.count
            ? columnNames : (0..<columnCount).map { String(cString: PQfname(result, $0)) }
        let types = (0..<columnCount).map { PQftype(result, $0) }
        let rowCount = PQntuples(result)
        var rows: [StoreRow] = []
        rows.reserveCapacity(Int(rowCount))
        for row in 0..<rowCount {
            var values: [SQLValue] = []
            values.reserveCapacity(Int(columnCount))
            for column in 0..<columnCount {
                if PQgetisnull(result, row, column) != 0 {
                    values.append(.null)
                    continue
                }
                let bytes = UnsafeRawBufferPointer(
                    start: PQgetvalue(result, row, column), count: Int(PQgetlength(result, row, column)))
                values.append(
                    binary
                        ? PostgresType.decodeBinary(bytes, type: types[Int(column)])
                        : PostgresType.decodeText(bytes, type: types[Int(column)]))
            }
            rows.append(StoreRow(names: names, values: values))
        }
        return rows
    }

    /// Runs the statement with its bindings (and clears them); returns the successful result, which the caller
    /// clears.
    private func execute(resultFormat: Int32) throws -> OpaquePointer {
        defer { clearBindings() }
        if let bindError { throw StoreDatabaseError(.other, message: bindError, sql: sql) }
        return try connection.execute(self) { handle in
            withParameters { values, lengths, formats in
                PQexecPrepared(handle, name, Int32(parameterCount), values, lengths, formats, resultFormat)
            }
        }
    }

    /// Queues the statement with its bindings (and clears them) on a connection in pipeline mode
    /// (`PQsendQueryPrepared`); the statement must be prepared in the connection's current epoch.
    /// - Returns: whether libpq queued it (`false`: see `PQerrorMessage`).
    func send(_ handle: OpaquePointer) throws -> Bool {
        defer { clearBindings() }
        if let bindError { throw StoreDatabaseError(.other, message: bindError, sql: sql) }
        return withParameters { values, lengths, formats in
            PQsendQueryPrepared(handle, name, Int32(parameterCount), values, lengths, formats, 0) == 1
        }
    }

    /// Calls `body` with the bound parameters as libpq takes them: each value's address (NULL for SQL NULL), its
    /// length (read for binary ones) and its format; the addresses are valid only inside `body`.
    private func withParameters<R>(
        _ body: ([UnsafePointer<CChar>?], [Int32], [Int32]) -> R
    ) -> R {
        var lengths = [Int32](repeating: 0, count: parameterCount)
        var formats = [Int32](repeating: 0, count: parameterCount)
        return arena.withUnsafeBufferPointer { arena in
            // Never nil: the arena always holds its sentinel byte.
            let base = UnsafeRawPointer(arena.baseAddress!)
            var values = [UnsafePointer<CChar>?](repeating: nil, count: parameterCount)
            for (index, slot) in slots.enumerated() {
                guard let slot else { continue }
                values[index] = (base + slot.offset).assumingMemoryBound(to: CChar.self)
                lengths[index] = slot.length
                formats[index] = slot.format
            }
            return body(values, lengths, formats)
        }
    }

    // MARK: Placeholders

    /// `sql` with its `?` placeholders numbered `$1`, `$2`… (PostgreSQL's own), and how many there are. A `?`
    /// inside a single-quoted literal, a double-quoted identifier or a comment is not a placeholder and stays.
    /// (The store writes neither `E'…'` escapes nor dollar quoting, which this does not look into.)
    static func numberingPlaceholders(_ sql: String) -> (sql: String, count: Int) {
        let input = Array(sql.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(input.count + 16)
        var count = 0
        var index = 0
        /// The byte that ends the quoted text being copied (`'` or `"`), if any.
        var quote: UInt8?
        var blockCommentDepth = 0
        var inLineComment = false
        while index < input.count {
            let byte = input[index]
            let next = index + 1 < input.count ? input[index + 1] : 0
            if let closing = quote {
                // A doubled quote inside is an escaped one: the first ends the text, the second opens it again.
                if byte == closing { quote = nil }
            } else if inLineComment {
                if byte == UInt8(ascii: "\n") { inLineComment = false }
            } else if blockCommentDepth > 0 {
                if byte == UInt8(ascii: "*") && next == UInt8(ascii: "/") {
                    blockCommentDepth -= 1
                    output += [byte, next]
                    index += 2
                    continue
                }
                if byte == UInt8(ascii: "/") && next == UInt8(ascii: "*") {
                    blockCommentDepth += 1
                    output += [byte, next]
                    index += 2
                    continue
                }
            } else {
                switch byte {
                case UInt8(ascii: "'"), UInt8(ascii: "\""):
                    quote = byte
                case UInt8(ascii: "-") where next == UInt8(ascii: "-"):
                    inLineComment = true
                case UInt8(ascii: "/") where next == UInt8(ascii: "*"):
                    blockCommentDepth = 1
                    output += [byte, next]
                    index += 2
                    continue
                case UInt8(ascii: "?"):
                    count += 1
                    output.append(UInt8(ascii: "$"))
                    output += String(count).utf8
                    index += 1
                    continue
                default:
                    break
                }
            }
            output.append(byte)
            index += 1
        }
        return (String(decoding: output, as: UTF8.self), count)
    }
}
