import Dispatch
import Foundation
import Synchronization

/// The store's database on a PostgreSQL server, through libpq: one writer connection and a few readers.
///
/// Threading. The writer is one ``PostgresConnection`` used by one thread at a time: ``asyncWrite(_:)`` runs its
/// job on a serial dispatch queue, ``syncWrite(_:)`` runs on the caller's thread, and both hold the writer's lock
/// while they use it (so a `syncWrite` may run before jobs queued but not started yet; ``close(_:)`` waits for them
/// all). Neither is reentrant: a write inside a write deadlocks. Readers are a pool of connections, each with its
/// own serial queue; ``read(_:)`` takes a free one (waiting for one when all are busy), runs its body on that queue
/// inside `BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY` … `COMMIT`, so every read sees one consistent snapshot,
/// and never waits for the writer. libpq's calls block their thread, so none runs on Swift's cooperative pool.
///
/// Transactions. ``beginTransaction(_:)`` is `BEGIN`, ``commitTransaction(_:)`` is `COMMIT`, which returns once the
/// commit is as durable as the server's `synchronous_commit` makes it (on, PostgreSQL's default: flushed to the
/// server's WAL, and to a synchronous standby if one is configured; off: possibly lost to a server crash, never
/// half-applied), ``rollbackTransaction(_:)`` is `ROLLBACK`, errors ignored.
///
/// A lost connection (server restarted, network) fails the operation that met it with
/// ``StoreDatabaseError/Kind/connectionLost`` and is connected again on next use, with a bounded back-off between
/// failed attempts (``PostgresConnection``); the engine above retries.
public final class PostgresDatabase: StoreDatabase {
    /// Where the server is and how to use it.
    public struct Configuration: Sendable {
        /// The server: `postgres://user:password@host:port/database?param=value…` (`postgresql://` too); libpq
        /// reads the parameters (`sslmode`, `connect_timeout`, `options`…).
        public var url: String
        /// How many reader connections ``PostgresDatabase/read(_:)`` uses at most (each connects on first use).
        public var readerCount = 4
        /// The schema the store's tables live in (every connection's `search_path`; ``PostgresDatabase/migrate()``
        /// creates it), or `nil` for the server's default (`public`).
        public var schema: String?
        /// How long one connection attempt may take (whole seconds, at least 2; the URL's `connect_timeout` wins).
        public var connectTimeout = Duration.seconds(5)
        /// The wait after a failed connection attempt before the next one; it doubles at each failure in a row.
        public var reconnectDelay = Duration.milliseconds(100)
        /// The longest wait between two connection attempts.
        public var maximumReconnectDelay = Duration.seconds(5)
        /// How many prepared statements each connection keeps.
        public var statementCacheLimit = 512

        /// A configuration with the defaults above.
        /// - Parameter url: the server's `postgres://` or `postgresql://` URL.
        public init(url: String) {
            self.url = url
        }
    }

    public let dialect = SQLDialect.postgresql

    /// The server, database and schema, without the password.
    public var location: String {
        let server =
            (URLComponents(string: configuration.url)).map { url in
                "postgres://\(url.user.map { "\($0)@" } ?? "")\(url.host ?? "")\(url.port.map { ":\($0)" } ?? "")\(url.path)"
            } ?? "postgres://…"
        return server + (configuration.schema.map { " (schema \($0))" } ?? "")
    }
    /// The configuration the database was opened with.
    public let configuration: Configuration
    private let writer: ConnectionSlot
    private let writerQueue = DispatchQueue(label: "baton.store.postgres.writer")
    private let readers: ReaderPool

    /// Opens the database: connects the writer now (readers connect on first use).
    /// - Parameters:
    ///   - configuration: where the server is.
    ///   - clock: the time the reconnection back-off is measured in.
    /// - Throws: ``StoreDatabaseError``: `.other` for a URL that is not `postgres://` or `postgresql://`,
    ///   `.connectionLost` when the server cannot be reached.
    public init(_ configuration: Configuration, clock: some Clock<Duration> = ContinuousClock()) throws {
        guard ExecutionStore.isPostgresURL(configuration.url) else {
            throw StoreDatabaseError(.other, message: "not a postgres:// or postgresql:// URL")
        }
        self.configuration = configuration
        let settings = PostgresConnection.Settings(
            url: configuration.url, schema: configuration.schema, connectTimeout: configuration.connectTimeout,
            reconnectDelay: configuration.reconnectDelay, maximumReconnectDelay: configuration.maximumReconnectDelay,
            statementCacheLimit: max(1, configuration.statementCacheLimit))
        let start = clock.now
        let now: @Sendable () -> Duration = { start.duration(to: clock.now) }
        let writerConnection = PostgresConnection(settings, now: now)
        try writerConnection.connect()
        writer = ConnectionSlot(writerConnection)
        readers = ReaderPool(
            (0..<max(1, configuration.readerCount)).map { index in
                Reader(
                    slot: ConnectionSlot(PostgresConnection(settings, now: now)),
                    queue: DispatchQueue(label: "baton.store.postgres.reader\(index)"))
            })
    }

    // MARK: StoreDatabase

    public func read<T: Sendable>(_ body: @escaping @Sendable (any StoreConnection) throws -> T) async throws -> T {
        let index = try await readers.checkOut()
        defer { readers.checkIn(index) }
        let reader = readers.readers[index]
        return try await withCheckedThrowingContinuation { continuation in
            reader.queue.async {
                continuation.resume(
                    with: Result {
                        try reader.slot.withConnection { connection in
                            try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                            do {
                                let value = try body(connection)
                                try connection.commit()
                                return value
                            } catch {
                                connection.rollback()
                                throw error
                            }
                        }
                    })
            }
        }
    }

    public func asyncWrite(_ body: @escaping @Sendable (any StoreConnection) -> Void) {
        writerQueue.async { [writer] in writer.withConnection { body($0) } }
    }

    public func syncWrite<T>(_ body: (any StoreConnection) throws -> T) throws -> T {
        try writer.withConnection { try body($0) }
    }

    public func beginTransaction(_ connection: any StoreConnection) throws {
        try connection.execute("BEGIN")
    }

    public func commitTransaction(_ connection: any StoreConnection) throws {
        guard let connection = connection as? PostgresConnection else {
            throw StoreDatabaseError(.other, message: "not a connection of this database")
        }
        try connection.commit()
    }

    public func rollbackTransaction(_ connection: any StoreConnection) {
        (connection as? PostgresConnection)?.rollback()
    }

    public func close(_ body: (any StoreConnection) throws -> Void) throws {
        // sync: after every job already queued on the writer.
        try writerQueue.sync {
            try writer.withConnection { connection in
                defer { connection.close() }
                try body(connection)
            }
        }
        readers.close()
    }

    // MARK: Schema

    /// Brings the schema up to date (``PostgresSchema``): in one transaction on the writer, under a transaction-level
    /// advisory lock, so that shards starting together apply each migration once.
    /// - Throws: ``StoreDatabaseError`` when a migration fails (nothing of it is applied).
    public func migrate() throws {
        try syncWrite { connection in
            try PostgresSchema.migrate(connection, schema: configuration.schema)
        }
    }
}

/// One connection and the lock that gives it to one thread at a time.
private final class ConnectionSlot: @unchecked Sendable {
    // `connection` is used only while `lock` is held.
    private let lock = NSLock()
    private let connection: PostgresConnection

    init(_ connection: PostgresConnection) {
        self.connection = connection
    }

    /// Runs `body` with the connection, holding the lock.
    func withConnection<T>(_ body: (PostgresConnection) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(connection)
    }
}

/// A reader connection and the serial queue its reads run on.
private struct Reader: Sendable {
    let slot: ConnectionSlot
    let queue: DispatchQueue
}

/// The readers, lent out one read at a time.
private final class ReaderPool: Sendable {
    private struct State: ~Copyable {
        /// The indices of the readers no read holds.
        var free: [Int]
        /// Reads waiting for a reader, first come first served.
        var waiters: [CheckedContinuation<Int, any Error>] = []
        var closed = false
    }

    let readers: [Reader]
    private let state: Mutex<State>

    init(_ readers: [Reader]) {
        self.readers = readers
        state = Mutex(State(free: Array(readers.indices.reversed())))
    }

    /// A free reader's index; waits for one when all are lent.
    /// - Throws: ``StoreDatabaseError`` once the pool is closed.
    func checkOut() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            enum Outcome { case reader(Int), closed, waiting }
            let outcome = state.withLock { state -> Outcome in
                if state.closed { return .closed }
                if let index = state.free.popLast() { return .reader(index) }
                state.waiters.append(continuation)
                return .waiting
            }
            switch outcome {
            case .reader(let index): continuation.resume(returning: index)
            case .closed: continuation.resume(throwing: Self.closedError)
            case .waiting: break
            }
        }
    }

    /// Gives a reader back: to the first waiting read, else to the free list.
    func checkIn(_ index: Int) {
        let waiter = state.withLock { state -> CheckedContinuation<Int, any Error>? in
            if state.waiters.isEmpty {
                state.free.append(index)
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.resume(returning: index)
    }

    /// Refuses further reads, fails the waiting ones, and closes every reader once its current read ended.
    func close() {
        let waiters = state.withLock { state in
            state.closed = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(throwing: Self.closedError) }
        for reader in readers {
            reader.queue.sync { reader.slot.withConnection { $0.close() } }
        }
    }

    private static var closedError: StoreDatabaseError {
        StoreDatabaseError(.other, message: "the PostgreSQL database is closed")
    }
}
