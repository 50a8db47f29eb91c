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

    /// Removes the directory and everything in it.
    public func remove() {
        try? FileManager.default.removeItem(at: url)
    }

    /// Opens a store on the directory (again, for a restart).
    /// - Parameter configuration: the store's settings.
    public func open(_ configuration: ExecutionStoreConfiguration = .init()) throws -> ExecutionStore {
        try ExecutionStore(directory: url, configuration: configuration)
    }
}
