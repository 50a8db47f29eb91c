import Foundation
import Testing

@testable import ExecutionStore

/// Prints the libpq backend's round trips on the test server; asserts nothing about time (STYLE rule 12). Off unless
/// both `BATON_TEST_POSTGRES_URL` and `BATON_STORE_MEASURE=1` are set:
///
///     BATON_STORE_MEASURE=1 BATON_TEST_POSTGRES_URL=$(scripts/postgres-node.sh start) \
///         swift test -c release -Xswiftc -enable-testing --filter PostgresMeasurement
@Suite(
    .enabled(
        if: PostgresTestServer.url != nil && ProcessInfo.processInfo.environment["BATON_STORE_MEASURE"] != nil),
    .serialized)
struct PostgresMeasurement {
    static let insert = "INSERT INTO m (id, v) VALUES (?, ?)"

    @Test func preparedInsertRoundTripsAndThousandInsertTransactions() throws {
        let test = try PostgresTestDatabase(migrate: false)
        defer { test.destroy() }
        try test.write { connection in
            let connection = try #require(connection as? PostgresConnection)
            try connection.execute("CREATE TABLE m (id BIGINT PRIMARY KEY, v BYTEA NOT NULL)")
            let settings = try ["server_version", "synchronous_commit", "fsync"].map { name -> String in
                "\(name)=\(try connection.value("SELECT current_setting(?)", arguments: [name]) ?? "?")"
            }
            print("MEASURE postgres \(settings.joined(separator: " ")) (loopback TCP)")
            var id: Int64 = 0
            let value = Data(repeating: 0x5A, count: 100)

            // One prepared INSERT inside an open transaction: the statement's round trip alone.
            let count = 5000
            try connection.execute("BEGIN")
            for _ in 0..<200 { try insertOne(connection, &id, value) }  // warm-up
            var elapsed = try time { for _ in 0..<count { try insertOne(connection, &id, value) } }
            try connection.commit()
            print("MEASURE postgres prepared INSERT in a transaction: \(micros(elapsed / count)) µs per statement")

            // The same, each in autocommit: the round trip plus a commit (WAL flush) per statement.
            elapsed = try time { for _ in 0..<1000 { try insertOne(connection, &id, value) } }
            print("MEASURE postgres prepared INSERT in autocommit: \(micros(elapsed / 1000)) µs per statement")

            elapsed = try time { for _ in 0..<count { _ = try connection.value("SELECT 1") as Int? } }
            print("MEASURE postgres prepared SELECT 1: \(micros(elapsed / count)) µs per statement")

            // BEGIN, 1000 INSERTs, COMMIT: statement by statement, then pipelined; the COMMIT (a WAL flush) apart.
            for round in 0..<5 {
                var commits = Duration.zero
                let single = try time {
                    try connection.execute("BEGIN")
                    for _ in 0..<1000 { try insertOne(connection, &id, value) }
                    commits += try time { try connection.commit() }
                }
                let pipelined = try time {
                    try connection.execute("BEGIN")
                    let rows = (0..<1000).map { offset in [SQLValue.integer(id + 1 + Int64(offset)), .blob(value)] }
                    id += 1000
                    _ = try connection.runPipelined(Self.insert, rows)
                    commits += try time { try connection.commit() }
                }
                print(
                    "MEASURE postgres 1000-INSERT transaction, round \(round): statement by statement "
                        + "\(millis(single)) ms, pipelined (\(PostgresConnection.pipelineChunk) a sync) "
                        + "\(millis(pipelined)) ms; the two COMMITs \(millis(commits)) ms of it")
            }
            #expect(try connection.value("SELECT count(*) FROM m") == id)
        }
    }

    private func insertOne(_ connection: PostgresConnection, _ id: inout Int64, _ value: Data) throws {
        id += 1
        let statement = try connection.statement(Self.insert)
        statement.bind(1, id)
        statement.bind(2, value)
        try statement.run()
    }

    private func time(_ body: () throws -> Void) throws -> Duration {
        let start = ContinuousClock.now
        try body()
        return ContinuousClock.now - start
    }

    private func micros(_ duration: Duration) -> String {
        String(
            format: "%.1f", Double(duration.components.attoseconds) / 1e12 + Double(duration.components.seconds) * 1e6)
    }

    private func millis(_ duration: Duration) -> String {
        String(
            format: "%.2f", Double(duration.components.attoseconds) / 1e15 + Double(duration.components.seconds) * 1e3)
    }
}
