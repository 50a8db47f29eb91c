import Dispatch
import Foundation
import Synchronization
import Testing

@testable import ExecutionStore

/// The libpq backend against a real server (``PostgresTestServer``); each test in a schema of its own.
@Suite(.enabled(if: PostgresTestServer.url != nil, "set BATON_TEST_POSTGRES_URL (scripts/postgres-node.sh start)"))
struct PostgresDatabaseTests {
    // MARK: Schema

    @Test func migratingTwiceCreatesTheSchemaOnce() throws {
        let test = try PostgresTestDatabase(migrate: false)
        defer { test.destroy() }
        try test.database.migrate()
        try test.database.migrate()
        let tables: [String] = try test.write { connection in
            try connection.rows(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() "
                    + "ORDER BY table_name"
            ).map { try $0[0] }
        }
        #expect(
            tables == [
                "activity", "baton_id_mark", "baton_schema_migrations", "execution", "history", "open_task", "outbox",
                "redrive",
                "resource_tag", "setting", "state_machine", "state_machine_alias", "state_machine_revision",
                "state_machine_version", "timer",
            ])
        #expect(try test.write(PostgresSchema.appliedMigrations) == PostgresSchema.migrations.map(\.identifier))
    }

    @Test func shardsMigratingTogetherApplyEachMigrationOnce() throws {
        // Four databases on one schema that does not exist yet, migrated at the same moment.
        var configuration = PostgresDatabase.Configuration(url: try #require(PostgresTestServer.url))
        configuration.schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        let shards = try (0..<4).map { _ in try PostgresDatabase(configuration) }
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: shards.count) { index in
            do { try shards[index].migrate() } catch { failures.withLock { $0.append("\(error)") } }
        }
        for shard in shards { try shard.close { _ in } }
        let test = try PostgresTestDatabase(schema: configuration.schema, migrate: false)
        defer { test.destroy() }
        #expect(failures.withLock { $0 } == [])
        #expect(try test.write(PostgresSchema.appliedMigrations) == PostgresSchema.migrations.map(\.identifier))
    }

    @Test func rowidNumbersRowsInInsertionOrderAndTimersGetTheirIdFromTheDatabase() throws {
        let test = try PostgresTestDatabase()
        defer { test.destroy() }
        try test.write { connection in
            for name in ["c", "a", "b"] {
                try connection.execute(
                    "INSERT INTO activity (arn, name, creation_date) VALUES (?, ?, ?)",
                    arguments: ["arn:\(name)", name, 1])
            }
            let first: Int64 = try #require(
                try connection.value("SELECT rowid FROM activity WHERE name = ?", arguments: ["c"]))
            let page = try connection.rows(
                "SELECT name, rowid FROM activity WHERE rowid > ? ORDER BY rowid LIMIT ?", arguments: [first, 10])
            #expect(try page.map { try $0["name"] as String } == ["a", "b"])

            try connection.execute(
                """
                INSERT INTO execution (id, arn, name, state_machine_arn, state_machine_revision, status, input,
                    start_date, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [7, "arn:e", "e", "arn:m", 1, "RUNNING", "{}", 1, Data([1])])
            let ids = try (0..<2).map { index -> Int64 in
                try #require(
                    try connection.value(
                        "INSERT INTO timer (execution_id, key, kind, fire_at, payload) VALUES (?, ?, ?, ?, ?) RETURNING id",
                        arguments: [7, "k\(index)", "wait", 1, Data()]))
            }
            #expect(ids[1] > ids[0])
        }
    }

    // MARK: Values

    @Test func everyValueKindRoundTripsInBinaryAndTextResults() throws {
        let test = try PostgresTestDatabase(migrate: false)
        defer { test.destroy() }
        var generator = SystemRandomNumberGenerator()
        let large = Data((0..<(1 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let rows: [[SQLValue]] = [
            [
                .integer(1), .integer(.max), .real(1.5), .text("héllo wörld 🎉 — ünïcödé"),
                .blob(Data([0, 1, 2, 0x5C, 255])),
            ],
            [.integer(2), .integer(.min), .real(-0.25), .text(""), .blob(Data())],
            [.integer(3), .null, .null, .null, .null],
            [.integer(4), .integer(0), .real(.infinity), .text("it's a ? and a \\ and a \""), .blob(large)],
            [
                .integer(5), .integer(-1), .real(1e-300), .text(String(repeating: "ж", count: 100_000)),
                .blob(Data([0])),
            ],
        ]
        try test.write { connection in
            try connection.execute(
                "CREATE TABLE kinds (id BIGINT PRIMARY KEY, i BIGINT, r DOUBLE PRECISION, t TEXT, b BYTEA)")
            for row in rows { try connection.execute("INSERT INTO kinds (id, i, r, t, b) VALUES (?, ?, ?, ?, ?)", row) }
            // Every column decodes from binary: the statement asks for binary results.
            let binary = try connection.rows("SELECT id, i, r, t, b FROM kinds ORDER BY id")
            #expect(binary.map { row in (0..<row.count).map(row.value(at:)) } == rows)
            // A NUMERIC column makes the whole result text: the blob comes back from its \x hex form.
            let text = try connection.rows("SELECT id::numeric, i, r, t, b FROM kinds ORDER BY id")
            #expect(text.map { row in (0..<row.count).map(row.value(at:)) } == rows)
            #expect(try (text[0]["b"] as Data) == Data([0, 1, 2, 0x5C, 255]))
        }
    }

    @Test func resultTypesMapToTheirSQLValues() throws {
        let test = try PostgresTestDatabase(migrate: false)
        defer { test.destroy() }
        let row = try #require(
            try test.write { connection in
                try connection.row(
                    """
                    SELECT 1::smallint AS a, 2::int AS b, 3::bigint AS c, 1.5::real AS d, 2.5::float8 AS e,
                        12345678901234::numeric AS f, 1.25::numeric AS g, true AS h, false AS i, 'x'::varchar AS j,
                        '\\x0102'::bytea AS k, NULL::text AS l, '{"a":1}'::jsonb AS m, sum(x) AS n
                    FROM (VALUES (9::bigint)) AS v(x)
                    """)
            })
        #expect(
            (0..<row.count).map(row.value(at:)) == [
                .integer(1), .integer(2), .integer(3), .real(1.5), .real(2.5), .integer(12_345_678_901_234),
                .real(1.25), .integer(1), .integer(0), .text("x"), .blob(Data([1, 2])), .null, .text(#"{"a": 1}"#),
                .integer(9),
            ])
    }

    @Test func textsAndBlobsMeetByteaAndTextColumns() throws {
        let test = try PostgresTestDatabase(migrate: false)
        defer { test.destroy() }
        try test.write { connection in
            try connection.execute("CREATE TABLE t (id BIGINT PRIMARY KEY, b BYTEA, t TEXT)")
            // A text into a BYTEA column goes as its UTF-8 bytes, backslashes included (not bytea's escape syntax).
            try connection.execute("INSERT INTO t (id, b) VALUES (?, ?)", arguments: [1, #"\x41 \\ é"#])
            #expect(try connection.value("SELECT b FROM t WHERE id = 1") == Data(#"\x41 \\ é"#.utf8))
            #expect(try connection.value("SELECT b FROM t WHERE id = 1") == #"\x41 \\ é"#)
            // A blob of valid UTF-8 into a TEXT column becomes that text.
            try connection.execute("INSERT INTO t (id, t) VALUES (?, ?)", arguments: [2, Data("ok ✓".utf8)])
            #expect(try connection.value("SELECT t FROM t WHERE id = 2") == "ok ✓")
            // PostgreSQL's TEXT holds no NUL: refused, not cut short.
            let error = #expect(throws: StoreDatabaseError.self) {
                try connection.execute("INSERT INTO t (id, t) VALUES (?, ?)", arguments: [3, "a\u{0}b"])
            }
            #expect(error?.kind == .other)
            #expect(try connection.value("SELECT count(*) FROM t WHERE id = 3") == 0)
        }
    }

    @Test func aQuestionMarkInsideALiteralIsNotAPlaceholder() throws {
        let test = try PostgresTestDatabase(migrate: false)
        defer { test.destroy() }
        let row = try #require(
            try test.write { connection in
                try connection.row(
                    """
                    SELECT '?' AS a, ?::text AS b, 'it''s ?' AS c, "?x".y AS d, ?::bigint AS e -- a ? in a comment
                    FROM (SELECT /* ? */ 'z' AS y) AS "?x"
                    """, arguments: ["B", 5])
            })
        #expect(
            (0..<row.count).map(row.value(at:)) == [.text("?"), .text("B"), .text("it's ?"), .text("z"), .integer(5)])
    }

    // MARK: Errors and transactions

    @Test func aDuplicateKeyIsAUniqueViolation() throws {
        let test = try PostgresTestDatabase()
        defer { test.destroy() }
        try test.write { connection in
            let insert = "INSERT INTO setting (key, value) VALUES (?, ?)"
            try connection.execute(insert, arguments: ["k", Data([1])])
            let error = #expect(throws: StoreDatabaseError.self) {
                try connection.execute(insert, arguments: ["k", Data([2])])
            }
            #expect(error?.kind == .uniqueViolation)
            #expect(error?.sql == insert)
            let syntax = #expect(throws: StoreDatabaseError.self) { try connection.execute("SELEC 1") }
            #expect(syntax?.kind == .other)
        }
    }

    @Test func aFailedSavepointRollsBackAloneAndTheTransactionGoesOn() throws {
        let test = try PostgresTestDatabase()
        defer { test.destroy() }
        try test.write { connection in
            let insert = "INSERT INTO setting (key, value) VALUES (?, ?)"
            try test.database.beginTransaction(connection)
            try connection.execute(insert, arguments: ["a", Data([1])])
            #expect(throws: DeliberateFailure.self) {
                try connection.inSavepoint {
                    try connection.execute(insert, arguments: ["b", Data([2])])
                    throw DeliberateFailure()
                }
            }
            let duplicate = #expect(throws: StoreDatabaseError.self) {
                try connection.inSavepoint { try connection.execute(insert, arguments: ["a", Data([3])]) }
            }
            #expect(duplicate?.kind == .uniqueViolation)
            #expect(connection.isInsideTransaction)
            // Nested: the inner one rolls back, the outer one keeps its own row.
            try connection.inSavepoint {
                try connection.execute(insert, arguments: ["c", Data([4])])
                try? connection.inSavepoint {
                    try connection.execute(insert, arguments: ["d", Data([5])])
                    throw DeliberateFailure()
                }
            }
            try test.database.commitTransaction(connection)
            let keys: [String] = try connection.rows("SELECT key FROM setting ORDER BY key").map { try $0[0] }
            #expect(keys == ["a", "c"])
        }
    }

    @Test func aFailedStatementOutsideASavepointAbortsTheTransaction() throws {
        let test = try PostgresTestDatabase()
        defer { test.destroy() }
        try test.write { connection in
            let insert = "INSERT INTO setting (key, value) VALUES (?, ?)"
            try connection.execute(insert, arguments: ["a", Data([1])])
            try test.database.beginTransaction(connection)
            try connection.execute(insert, arguments: ["b", Data([2])])
            #expect(connection.isInsideTransaction)
            #expect(throws: StoreDatabaseError.self) { try connection.execute(insert, arguments: ["a", Data([3])]) }
            // INERROR: PostgreSQL refuses everything but ROLLBACK, so the transaction is no longer usable.
            #expect(!connection.isInsideTransaction)
            let commit = #expect(throws: StoreDatabaseError.self) { try test.database.commitTransaction(connection) }
            #expect(commit?.kind == .other)
            test.database.rollbackTransaction(connection)
            test.database.rollbackTransaction(connection)  // nothing left to roll back: ignored
            let keys: [String] = try connection.rows("SELECT key FROM setting ORDER BY key").map { try $0[0] }
            #expect(keys == ["a"])
        }
    }

    @Test func statementsAreCachedAndPreparedOncePerSession() throws {
        let test = try PostgresTestDatabase(migrate: false) { $0.statementCacheLimit = 3 }
        defer { test.destroy() }
        try test.write { connection in
            let preparedCount = "SELECT count(*) FROM pg_prepared_statements"
            let before: Int = try #require(try connection.value(preparedCount))
            let sql = "SELECT ?::bigint + 1"
            let statement = try connection.statement(sql)
            #expect(try connection.statement(sql) === statement)
            for value in 0..<100 {
                statement.bind(1, Int64(value))
                #expect(try statement.rows().first?[0] as Int64? == Int64(value) + 1)
            }
            #expect(try connection.value(preparedCount) == before + 1)
            // Past the limit the cache starts again; a statement fetched before still runs (prepared anew).
            for index in 0..<3 { _ = try connection.statement("SELECT \(index)") }
            #expect(try connection.statement(sql) !== statement)
            statement.bind(1, Int64(41))
            #expect(try statement.rows().first?[0] as Int64? == 42)
        }
    }

    @Test func readersSeeASnapshotOfCommittedRowsOnly() async throws {
        let test = try PostgresTestDatabase { $0.readerCount = 2 }
        defer { test.destroy() }
        let count: @Sendable (any StoreConnection) throws -> Int = { connection in
            try connection.value("SELECT count(*) FROM setting") ?? -1
        }
        // The writer holds an open transaction with a row in it: no read sees it, and reads do not wait for it.
        try test.write { connection in
            try test.database.beginTransaction(connection)
            try connection.execute("INSERT INTO setting (key, value) VALUES (?, ?)", arguments: ["a", Data()])
        }
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<10 { group.addTask { try await test.database.read(count) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(counts == Array(repeating: 0, count: 10))
        try test.write { try test.database.commitTransaction($0) }
        #expect(try await test.database.read(count) == 1)

        // A read keeps its snapshot while the writer commits more.
        let counted = DispatchSemaphore(value: 0)
        let committed = DispatchSemaphore(value: 0)
        async let snapshot = test.database.read { connection in
            let first = try count(connection)
            counted.signal()
            committed.wait()
            return [first, try count(connection)]
        }
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                counted.wait()
                continuation.resume()
            }
        }
        try test.write { connection in
            try connection.execute("INSERT INTO setting (key, value) VALUES (?, ?)", arguments: ["b", Data()])
        }
        committed.signal()
        #expect(try await snapshot == [1, 1])
        #expect(try await test.database.read(count) == 2)
    }

    @Test func aReadIsReadOnly() async throws {
        let test = try PostgresTestDatabase()
        defer { test.destroy() }
        let error = await #expect(throws: StoreDatabaseError.self) {
            try await test.database.read { connection in
                try connection.execute("INSERT INTO setting (key, value) VALUES (?, ?)", arguments: ["a", Data()])
            }
        }
        #expect(error?.message.contains("read-only") == true)
        #expect(try await test.database.read { try $0.value("SELECT count(*) FROM setting") as Int? } == 0)
    }

    @Test func asyncWritesRunInOrderAndCloseWaitsForThem() async throws {
        let test = try PostgresTestDatabase()
        defer { test.destroy() }
        let order = Mutex<[Int]>([])
        for index in 0..<50 {
            test.database.asyncWrite { connection in
                order.withLock { $0.append(index) }
                _ = try? connection.execute(
                    "INSERT INTO setting (key, value) VALUES (?, ?)", arguments: ["\(index)", Data()])
            }
        }
        let rows = Mutex(0)
        try test.database.close { connection in
            rows.withLock { $0 = (try? connection.value("SELECT count(*) FROM setting")) ?? -1 }
            try connection.execute("DROP SCHEMA \(PostgresConnection.quoteIdentifier(test.schema)) CASCADE")
        }
        #expect(rows.withLock { $0 } == 50)
        #expect(order.withLock { $0 } == Array(0..<50))
        let closed = #expect(throws: StoreDatabaseError.self) { try test.write { try $0.execute("SELECT 1") } }
        #expect(closed?.kind == .other)
        let closedRead = await #expect(throws: StoreDatabaseError.self) { try await test.database.read { _ in 1 } }
        #expect(closedRead?.kind == .other)
    }

    @Test func pipelinedInsertsAreAllApplied() throws {
        let test = try PostgresTestDatabase()
        defer { test.destroy() }
        try test.write { connection in
            let connection = try #require(connection as? PostgresConnection)
            let insert = "INSERT INTO setting (key, value) VALUES (?, ?)"
            try test.database.beginTransaction(connection)
            let changed = try connection.runPipelined(insert, (0..<1000).map { [.text("k\($0)"), .blob(Data([1]))] })
            try test.database.commitTransaction(connection)
            #expect(changed == 1000)
            #expect(try connection.value("SELECT count(*) FROM setting") == 1000)
            // A duplicate in the middle fails the run; the transaction is then aborted as a whole.
            try test.database.beginTransaction(connection)
            let error = #expect(throws: StoreDatabaseError.self) {
                try connection.runPipelined(insert, [[.text("new"), .blob(Data())], [.text("k5"), .blob(Data())]])
            }
            #expect(error?.kind == .uniqueViolation)
            #expect(!connection.isInsideTransaction)
            test.database.rollbackTransaction(connection)
            #expect(try connection.value("SELECT count(*) FROM setting") == 1000)
        }
    }

    // MARK: Losing the server

    @Test(.timeLimit(.minutes(5)))
    func aRestartedServerLosesTheConnectionsWhichReconnectOnNextUse() async throws {
        let server = try PrivatePostgresServer()
        do {
            try await restartServer(server)
        } catch {
            await server.destroy()
            throw error
        }
        await server.destroy()
    }

    /// ``aRestartedServerLosesTheConnectionsWhichReconnectOnNextUse()`` on a private server.
    private func restartServer(_ server: PrivatePostgresServer) async throws {
        let url = try await server.start()
        let clock = HandClock()
        let test = try PostgresTestDatabase(url: url, clock: clock) { configuration in
            configuration.readerCount = 1
            configuration.reconnectDelay = .seconds(1)
        }
        defer { test.destroy() }
        let insert = "INSERT INTO setting (key, value) VALUES (?, ?)"
        let count: @Sendable (any StoreConnection) throws -> Int = {
            try $0.value("SELECT count(*) FROM setting") ?? -1
        }
        try test.write { try $0.execute(insert, arguments: ["a", Data()]) }
        #expect(try await test.database.read(count) == 1)
        // The writer holds an open transaction when the server goes.
        try test.write { connection in
            try test.database.beginTransaction(connection)
            try connection.execute(insert, arguments: ["lost", Data()])
        }

        try await server.stop()
        try test.write { connection in
            let lost = #expect(throws: StoreDatabaseError.self) {
                try connection.execute(insert, arguments: ["b", Data()])
            }
            #expect(lost?.kind == .connectionLost)
            #expect(!connection.isInsideTransaction)
            // Until the transaction is rolled back, nothing runs (it would run outside the transaction).
            let refused = #expect(throws: StoreDatabaseError.self) { try connection.execute("SELECT 1") }
            #expect(refused?.kind == .connectionLost)
            test.database.rollbackTransaction(connection)
            // Reconnecting fails while the server is down, then waits for the back-off before trying again.
            let down = #expect(throws: StoreDatabaseError.self) { try connection.execute("SELECT 1") }
            #expect(down?.kind == .connectionLost)
            let waiting = #expect(throws: StoreDatabaseError.self) { try connection.execute("SELECT 1") }
            #expect(waiting?.message.contains("next attempt in 1000 ms") == true)
        }
        let readLost = await #expect(throws: StoreDatabaseError.self) { try await test.database.read(count) }
        #expect(readLost?.kind == .connectionLost)

        _ = try await server.start()
        // Still inside the back-off: no attempt yet.
        let early = #expect(throws: StoreDatabaseError.self) { try test.write { try $0.execute("SELECT 1") } }
        #expect(early?.kind == .connectionLost)
        clock.advance(by: .seconds(1))
        try test.write { connection in
            try connection.execute(insert, arguments: ["b", Data()])
            try test.database.beginTransaction(connection)
            try connection.execute(insert, arguments: ["c", Data()])
            try test.database.commitTransaction(connection)
        }
        // The reader's connection died with the server: it reconnects on the read after the one that failed.
        #expect(try await test.database.read(count) == 3)
        let keys = try await test.database.read { connection in
            try connection.rows("SELECT key FROM setting ORDER BY key").map { try $0[0] as String }
        }
        #expect(keys == ["a", "b", "c"])
    }
}

/// The placeholder numbering alone (no server needed).
@Suite struct PostgresPlaceholderTests {
    @Test func questionMarksBecomeNumberedOutsideLiteralsIdentifiersAndComments() {
        let (sql, count) = PostgresStatement.numberingPlaceholders(
            """
            SELECT ?, '?', 'it''s ?', "a?""b", ? -- what? a ?
            FROM t /* a ? /* nested ? */ still ? */ WHERE x = ? AND y = 'é?'
            """)
        #expect(count == 3)
        #expect(
            sql == """
                SELECT $1, '?', 'it''s ?', "a?""b", $2 -- what? a ?
                FROM t /* a ? /* nested ? */ still ? */ WHERE x = $3 AND y = 'é?'
                """)
        #expect(PostgresStatement.numberingPlaceholders("").count == 0)
        #expect(PostgresStatement.numberingPlaceholders("?").sql == "$1")
    }
}
