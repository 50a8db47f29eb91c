import Foundation
import LocalProcesses
import Synchronization
import Testing

@testable import ExecutionStore

#if canImport(Glibc)
    import Glibc
#endif

/// The PostgreSQL server the libpq backend's tests use: `BATON_TEST_POSTGRES_URL`, e.g.
///
///     BATON_TEST_POSTGRES_URL=$(scripts/postgres-node.sh start) swift test --filter PostgresDatabaseTests
///
/// Without it those suites are skipped.
enum PostgresTestServer {
    /// The server's URL, or `nil` when the variable is unset or empty.
    static let url: String? = ProcessInfo.processInfo.environment["BATON_TEST_POSTGRES_URL"].flatMap {
        $0.isEmpty ? nil : $0
    }
}

/// A ``PostgresDatabase`` in a schema of its own (`t_<random>`) on the test server, so that tests run in parallel on
/// one server without seeing each other's tables; ``destroy()`` drops the schema.
final class PostgresTestDatabase: Sendable {
    let database: PostgresDatabase
    let schema: String

    /// Opens a database in a fresh schema (or `schema`), migrated unless `migrate` is false.
    /// - Parameters:
    ///   - url: the server (default: the test server).
    ///   - schema: the schema (default: a fresh one).
    ///   - migrate: whether to create the store's schema now.
    ///   - clock: the back-off's clock.
    ///   - configure: changes to the configuration.
    init(
        url: String? = nil, schema: String? = nil, migrate: Bool = true,
        clock: some Clock<Duration> = ContinuousClock(),
        _ configure: (inout PostgresDatabase.Configuration) -> Void = { _ in }
    ) throws {
        let url = try #require(url ?? PostgresTestServer.url, "set BATON_TEST_POSTGRES_URL")
        self.schema = schema ?? "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        var configuration = PostgresDatabase.Configuration(url: url)
        configuration.schema = self.schema
        configure(&configuration)
        database = try PostgresDatabase(configuration, clock: clock)
        if migrate {
            try database.migrate()
        } else {
            // The search_path names the schema; tables made by the test need it to exist.
            try database.syncWrite { connection in
                try connection.execute("CREATE SCHEMA IF NOT EXISTS \(PostgresConnection.quoteIdentifier(self.schema))")
            }
        }
    }

    /// Drops the schema (with everything in it) and closes the database.
    func destroy() {
        try? database.close { connection in
            database.rollbackTransaction(connection)
            try connection.execute("DROP SCHEMA IF EXISTS \(PostgresConnection.quoteIdentifier(schema)) CASCADE")
        }
    }

    /// Runs `body` on the writer (``PostgresDatabase/syncWrite(_:)``).
    @discardableResult
    func write<T>(_ body: (any StoreConnection) throws -> T) throws -> T {
        try database.syncWrite(body)
    }
}

/// A PostgreSQL server of a test's own (scripts/postgres-node.sh with its own name, port and directory), for tests
/// that stop and start it without disturbing the shared one.
struct PrivatePostgresServer: Sendable {
    let port: Int
    private let base: String
    private let script: String
    private let environment: [String: String]

    /// Describes a server on a free port of loopback; nothing is started yet.
    init(filePath: String = #filePath) throws {
        var directory = URL(fileURLWithPath: filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("scripts/postgres-node.sh").path)
        {
            try #require(directory.path != "/", "scripts/postgres-node.sh not found above \(filePath)")
            directory.deleteLastPathComponent()
        }
        script = directory.appendingPathComponent("scripts/postgres-node.sh").path
        port = try Self.freePort()
        base = FileManager.default.temporaryDirectory.appendingPathComponent("baton-pg-test-\(UUID().uuidString)").path
        var environment = ProcessInfo.processInfo.environment
        environment["BATON_PG_NAME"] = "test-\(port)"
        environment["BATON_PG_PORT"] = "\(port)"
        environment["BATON_PG_BASE"] = base
        environment["BATON_PG_FSYNC"] = "off"
        self.environment = environment
    }

    /// Starts the server (initdb the first time); returns its URL.
    func start() async throws -> String {
        let output = try await run("start")
        return try #require(output.split(separator: "\n").last { $0.hasPrefix("postgres://") }.map(String.init))
    }

    /// Stops the server (pg_ctl stop -m fast: sessions are terminated).
    func stop() async throws { _ = try await run("stop") }

    /// Stops the server and removes its directories.
    func destroy() async { _ = try? await run("destroy") }

    private func run(_ command: String) async throws -> String {
        let (status, output) = await LaunchedProcess.outcome(
            of: "/bin/bash", name: "postgres-node.sh", arguments: [script, command], environment: environment,
            deadline: .seconds(180))
        try #require(status == 0, "postgres-node.sh \(command) failed (\(status)): \(output)")
        return output
    }

    /// A TCP port of loopback nobody listens on now (the kernel's choice for port 0).
    private static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        try #require(bound)
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A clock the test moves by hand; only `now` is used (the reconnection back-off compares instants).
final class HandClock: Clock, Sendable {
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private let offset = Mutex(Duration.zero)

    var now: Instant { Instant(offset: offset.withLock { $0 }) }
    var minimumResolution: Duration { .nanoseconds(1) }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        while now < deadline { try await Task.sleep(for: .milliseconds(1)) }
    }

    /// Moves the clock forward.
    func advance(by duration: Duration) { offset.withLock { $0 += duration } }
}
