import Foundation

/// How an ``ExecutionStore`` opens and writes its database.
public struct ExecutionStoreConfiguration: Sendable {
    /// What a committed transition survives.
    public struct Durability: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Value: String, Hashable, Sendable {
            case processCrash
            case powerLoss
        }

        fileprivate let value: Value

        /// `PRAGMA synchronous = NORMAL` in WAL mode: a commit is written to the WAL (in the OS page cache) but
        /// not fsynced; it survives `kill -9` and any crash of the process, not a crash of the OS or a power
        /// loss, which may lose the last commits (never corrupt the database). The WAL is fsynced at checkpoints.
        public static let processCrash = Durability(value: .processCrash)
        /// `PRAGMA synchronous = FULL` in WAL mode: every commit fsyncs the WAL, so it survives power loss too.
        /// Group commit keeps this at one fsync per batch rather than per transition.
        public static let powerLoss = Durability(value: .powerLoss)

        /// `processCrash` or `powerLoss`.
        public var description: String { value.rawValue }

        var synchronousPragma: String { value == .powerLoss ? "FULL" : "NORMAL" }
    }

    /// What a committed transition survives. Default: ``Durability/processCrash`` (the orchestrator acks a
    /// callback only after the commit, and that commit must survive `kill -9`; see docs/store.md).
    public var durability: Durability = .processCrash
    /// The most transitions committed together in one SQLite transaction. Default: 512.
    public var maximumBatchSize: Int = 512
    /// How long a connection waits for a lock held by another connection or process. Default: 5 seconds.
    public var busyTimeout: Duration = .seconds(5)
    /// The most concurrent reader connections. Default: 4.
    public var maximumReaderCount: Int = 4
    /// WAL size, in pages, that triggers an automatic checkpoint. Default: 1000 (SQLite's default, ≈ 4 MiB).
    /// Larger intervals save a little CPU under load (hot pages are copied less often: 8192 gave 2–4 % more
    /// completions at 128 in flight) but each checkpoint then holds the writer longer, and that shows in the tail:
    /// the open-model sweep's sustainable rate at p99 ≤ 100 ms fell from 1,168/s to 750/s (docs/benchmarks.md).
    public var walAutoCheckpointPages: Int = 1000

    /// Creates a configuration with the documented defaults.
    public init() {}
}
