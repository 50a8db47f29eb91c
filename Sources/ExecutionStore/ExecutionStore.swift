import Foundation

/// The durable state of the orchestrator: state machines, executions, history, open tasks, timers and the
/// outbox, in one SQLite database (WAL) at `<directory>/baton.sqlite`, or in another ``StoreDatabase``.
///
/// Every change goes through ``transition(_:)``: whatever one call does commits atomically, and concurrent
/// calls are group-committed (one database transaction, hence at most one fsync, per batch). Reads run on a pool
/// of reader connections and never wait for the writer. The store keeps no cache of executions: waiting
/// executions cost disk, not memory, and everything recovery needs (due timers, unconfirmed outbox rows, open
/// tasks) is a query.
///
/// ```swift
/// let store = try ExecutionStore(directory: dataDir)
/// let accepted = try await store.transition { tx in
///     guard let task = try tx.closeTask(tokenID: tokenID) else { return false }  // stale or duplicate
///     try tx.saveState(newState, executionID: task.executionID)
///     try tx.appendHistory([NewHistoryEvent(type: "TaskSucceeded", timestamp: now)], executionID: task.executionID)
///     try tx.enqueueOutbox(NewOutboxMessage(exchange: "", routingKey: "next-task", body: body))
///     return true
/// }
/// // Only now ack the callback delivery.
/// ```
public final class ExecutionStore: Sendable {
    /// The file name of the database inside the data directory.
    public static let fileName = "baton.sqlite"

    /// Where the database lives: the SQLite file's path (`<directory>/baton.sqlite`), or what another database
    /// names as its ``StoreDatabase/location``.
    public let path: String
    /// The configuration the store was opened with.
    public let configuration: ExecutionStoreConfiguration

    let database: any StoreDatabase
    let committer: GroupCommitter
    let ids: IDAllocator

    /// Opens (creating if needed) the store in `directory`, and migrates its schema to the current version.
    ///
    /// Opening after a crash is cheap: SQLite replays the WAL's committed frames and drops a torn tail; nothing
    /// is loaded into memory.
    /// - Parameters:
    ///   - directory: the data directory (`BATON_DATA_DIR`); created if missing.
    ///   - configuration: durability, batching and connection settings.
    /// - Throws: ``ExecutionStoreError`` with code `database` when the file cannot be opened or migrated.
    public convenience init(directory: URL, configuration: ExecutionStoreConfiguration = .init()) throws {
        let database: SQLiteDatabase
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            database = try SQLiteDatabase(
                path: directory.appendingPathComponent(Self.fileName).path, configuration: configuration)
        } catch {
            throw ExecutionStoreError(.database, message: "cannot open the execution store", underlying: error)
        }
        try self.init(database: database, configuration: configuration)
    }

    /// Opens the store on `database`, and migrates its schema to the current version (``StoreDatabase/migrate()``).
    /// - Parameters:
    ///   - database: the database, opened and not yet used; the store closes it in ``close()``.
    ///   - configuration: the batching settings (the connection settings are the database's own).
    /// - Throws: ``ExecutionStoreError`` with code `database` when the database cannot be migrated or read.
    public init(database: any StoreDatabase, configuration: ExecutionStoreConfiguration = .init()) throws {
        self.configuration = configuration
        self.database = database
        path = database.location
        do {
            try database.migrate()
            // On the writer, before anything else uses it: a synchronous read that waits for nobody.
            ids = try database.syncWrite { db in
                try IDAllocator(db) { table, value in
                    database.asyncWrite { db in try? IDAllocator.writeMark(db, table: table, value: value) }
                }
            }
        } catch let error as ExecutionStoreError {
            throw error
        } catch {
            throw ExecutionStoreError(.database, message: "cannot open the execution store", underlying: error)
        }
        committer = GroupCommitter(database: database, maximumBatchSize: configuration.maximumBatchSize)
    }

    /// The number of database COMMITs made by ``transition(_:)`` since the store was opened; with group commit
    /// this grows much slower than ``committedTransitionCount`` under concurrent load.
    public var commitCount: Int { committer.commitCount }

    /// The number of transitions committed since the store was opened.
    public var committedTransitionCount: Int { committer.transitionCount }

    /// Runs `body` on the single writer connection and commits everything it did atomically, together with
    /// the other transitions of its batch (group commit); returns once that commit is durable (see
    /// ``ExecutionStoreConfiguration/Durability``).
    ///
    /// If `body` throws, nothing it did is kept (it ran in its own SAVEPOINT) and the other transitions of the
    /// batch still commit. A submitted transition is not cancellable: the caller always learns whether it
    /// committed. `body` must be quick and must not block: it holds the only write connection.
    /// - Parameter body: the reads and writes of one transition, through ``Transaction``.
    /// - Returns: what `body` returned, after the commit.
    /// - Throws: what `body` threw; ``ExecutionStoreError`` with code `batchAborted` when the database rolled back
    ///   the whole batch, `closed` after ``close()``.
    public func transition<T: Sendable>(_ body: @escaping @Sendable (Transaction) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            committer.submit(
                GroupCommitter.Job(
                    run: { [ids] db in
                        let value = try body(Transaction(db: db, ids: ids))
                        return { continuation.resume(returning: value) }
                    },
                    fail: { error in continuation.resume(throwing: Self.storeError(error)) }
                )
            )
        }
    }

    /// Runs a transition in two phases, so that its work happens off the single writer: `plan` reads a snapshot
    /// of the last commit on a reader connection (concurrently with other plans and with the writer) and returns
    /// the writes to make; only those writes then run on the writer, group-committed like ``transition(_:)``.
    ///
    /// Nothing guards the rows `plan` read between its snapshot and the apply: the caller keeps concurrent
    /// transitions of one execution apart (the engine runs them one at a time per execution), and the plan's
    /// writes check what they depend on and throw ``ExecutionStoreError`` `conflict` (nothing of the plan is
    /// then kept) when it moved — the caller plans again.
    ///
    /// With `detached`, `plan` first runs on the caller's thread with a detached ``Snapshot`` (no reader hop); if
    /// it makes a read (`snapshotRequired`), it runs again on a real snapshot. A detached plan must therefore be
    /// free of effects outside its return value, and every write it makes still carries its own guards.
    /// - Parameter plan: reads the snapshot; returns a value and the writes.
    /// - Returns: the value, once the writes are committed (at once when there are none).
    /// - Throws: what `plan` or a write threw; `conflict`, `batchAborted`, `closed` as for ``transition(_:)``.
    public func transition<T: Sendable>(
        planning plan: @escaping @Sendable (Snapshot) throws -> (value: T, writes: WritePlan), detached: Bool = false
    ) async throws -> T {
        if detached {
            // First without a snapshot, on the caller's thread: no hop to a reader when the caller knows enough.
            do {
                let (value, writes) = try plan(Snapshot(db: nil, ids: ids))
                if writes.isEmpty { return value }
                try await transition { tx in try writes.apply(tx) }
                return value
            } catch let error as ExecutionStoreError where error.code == .snapshotRequired {
                // It needed a read: plan again on a snapshot.
            }
        }
        // On a reader's queue, not synchronously on the caller's thread: a synchronous read blocks a cooperative
        // thread while it waits for a free reader, and the async reads holding the readers need a cooperative
        // thread to give them back — under load every cooperative thread can end up waiting (seen as a deadlock).
        let (value, writes) = try await read { [ids] db in try plan(Snapshot(db: db, ids: ids)) }
        if writes.isEmpty { return value }
        try await transition { tx in try writes.apply(tx) }
        return value
    }

    /// Commits the writes of many planned transitions (see ``transition(planning:detached:)``) as one group-commit
    /// job: each plan runs in its own SAVEPOINT, so one whose guard fails (`conflict`) is rolled back alone while the
    /// others commit. Returns each plan's outcome, in order, once the batch committed — one wait for all of them.
    /// - Parameter plans: the write plans, applied in this order.
    /// - Returns: per plan, success or what it threw; every plan fails with the batch's error (`batchAborted`,
    ///   `closed`) when the whole transaction did not commit.
    public func apply(_ plans: [WritePlan]) async -> [Result<Void, any Error>] {
        guard !plans.isEmpty else { return [] }
        return await withCheckedContinuation { (continuation: CheckedContinuation<[Result<Void, any Error>], Never>) in
            committer.submit(
                GroupCommitter.Job(
                    run: { [ids] db in
                        let tx = Transaction(db: db, ids: ids)
                        var outcomes: [Result<Void, any Error>] = []
                        outcomes.reserveCapacity(plans.count)
                        for plan in plans {
                            do {
                                try db.inSavepoint { try plan.apply(tx) }
                                outcomes.append(.success(()))
                            } catch {
                                // The database may have rolled back the whole transaction (SQLITE_FULL…).
                                guard db.isInsideTransaction else { throw error }
                                outcomes.append(.failure(Self.storeError(error)))
                            }
                        }
                        return { [outcomes] in continuation.resume(returning: outcomes) }
                    },
                    fail: { error in
                        let failure = Self.storeError(error)
                        continuation.resume(returning: plans.map { _ in .failure(failure) })
                    }
                )
            )
        }
    }

    /// A snapshot without a connection, for planning on the caller's thread from what the caller knows: every read
    /// through it throws ``ExecutionStoreError/Code/snapshotRequired`` (see ``transition(planning:detached:)``).
    public func detachedSnapshot() -> Snapshot { Snapshot(db: nil, ids: ids) }

    /// Reads through a reader connection (a consistent snapshot of the last commit).
    func read<T: Sendable>(_ body: @escaping @Sendable (any StoreConnection) throws -> T) async throws -> T {
        do {
            return try await database.read(body)
        } catch {
            throw Self.storeError(error)
        }
    }

    /// Stops accepting transitions, waits for those already submitted to commit, checkpoints the WAL and
    /// closes every connection.
    /// - Throws: ``ExecutionStoreError`` with code `database` if the database refuses to close.
    public func close() throws {
        committer.close()
        do {
            // The barrier runs after any drain already queued on the writer, so accepted jobs are committed.
            try database.close { _ in }
        } catch {
            throw ExecutionStoreError(.database, message: "cannot close the execution store", underlying: error)
        }
    }

    /// Database errors (``StoreDatabaseError``, or a driver's error that converts to one) become
    /// ``ExecutionStoreError`` with code `database`; the store's own and the caller's errors pass through.
    static func storeError(_ error: any Error) -> any Error {
        let databaseError: StoreDatabaseError
        if let error = error as? StoreDatabaseError {
            databaseError = error
        } else if let error = error as? any StoreDatabaseErrorConvertible {
            databaseError = error.storeDatabaseError
        } else {
            return error
        }
        return ExecutionStoreError(
            .database, message: "the database failed (\(databaseError.kind))", underlying: databaseError)
    }
}
