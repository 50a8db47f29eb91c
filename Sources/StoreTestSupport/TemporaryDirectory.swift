import ExecutionStore
import Foundation

/// A fresh temporary data directory for an ``ExecutionStore``: the one harness the store, engine and API suites
/// open their stores with. Remove it when the test ends (`defer { directory.remove() }`, or in a harness's deinit).
public struct TemporaryDirectory: Sendable {
    /// The directory.
    public let url: URL

    /// Creates the directory.
    /// - Parameter label: a prefix of its name, to tell test runs' leftovers apart.
    public init(label: String = "execution-store-tests") throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// The PostgreSQL server the suites run their stores on instead of SQLite, when `BATON_TEST_STORE_URL` names
    /// one (scripts/test.sh runs the store, engine and API suites a second time so); `nil`: SQLite.
    public static let postgresURL: String? = {
        guard let url = ProcessInfo.processInfo.environment["BATON_TEST_STORE_URL"], ExecutionStore.isPostgresURL(url)
        else { return nil }
        return url
    }()

    /// Whether stores open on PostgreSQL (tests that read the SQLite file itself skip then).
    public static var isPostgres: Bool { postgresURL != nil }

    /// The PostgreSQL schema of this directory's store: one per directory, the same after a restart.
    public var schema: String {
        "t_" + url.lastPathComponent.suffix(36).lowercased().replacingOccurrences(of: "-", with: "_")
    }

    /// Removes the directory and everything in it (and, on PostgreSQL, the store's schema).
    public func remove() {
        try? FileManager.default.removeItem(at: url)
        if let postgresURL = Self.postgresURL {
            try? ExecutionStore.dropPostgresSchema(url: postgresURL, schema: schema)
        }
    }

    /// Opens a store on the directory (again, for a restart): SQLite in it, or the directory's schema on the
    /// PostgreSQL server of `BATON_TEST_STORE_URL`.
    /// - Parameter configuration: the store's settings.
    public func open(_ configuration: ExecutionStoreConfiguration = .init()) throws -> ExecutionStore {
        guard let postgresURL = Self.postgresURL else {
            return try ExecutionStore(directory: url, configuration: configuration)
        }
        return try ExecutionStore.open(url: postgresURL, schema: schema, configuration: configuration)
    }
}
