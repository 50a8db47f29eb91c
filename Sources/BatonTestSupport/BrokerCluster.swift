import Foundation
import LocalProcesses

#if canImport(Glibc)
    import Glibc
#endif

/// The RabbitMQ cluster the cluster tests run on: scripts/rabbitmq-cluster.sh's nodes on loopback, found through
/// `BATON_CLUSTER_AMQP_URL` (scripts/test.sh starts the cluster and sets it). A missing cluster is a failure,
/// never a skip.
public struct BrokerCluster: Sendable {
    /// The error thrown when `BATON_CLUSTER_AMQP_URL` is not set.
    public struct MissingCluster: Error, CustomStringConvertible {
        /// Explains how to get a cluster.
        public var description: String {
            "BATON_CLUSTER_AMQP_URL is not set: the cluster tests need a 3-node RabbitMQ cluster. Run scripts/test.sh, "
                + "or `export BATON_CLUSTER_AMQP_URL=$(scripts/rabbitmq-cluster.sh start)` (and "
                + "`scripts/rabbitmq-cluster.sh stop` afterwards)."
        }
    }

    /// The nodes' AMQP URLs, node 1 first.
    public let urls: [String]
    private let script: String

    /// The cluster named by `BATON_CLUSTER_AMQP_URL` (comma-separated URLs, node 1 first); its nodes are stopped
    /// and started with scripts/rabbitmq-cluster.sh, which reads `BATON_CLUSTER_NAME`/`BATON_CLUSTER_PORT` from
    /// the same environment.
    /// - Parameter filePath: leave the default; it locates the repository.
    /// - Throws: ``MissingCluster``.
    public init(filePath: String = #filePath) throws {
        guard let list = ProcessInfo.processInfo.environment["BATON_CLUSTER_AMQP_URL"], !list.isEmpty else {
            throw MissingCluster()
        }
        urls = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        var root = URL(fileURLWithPath: filePath)
        while root.path != "/"
            && !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path)
        {
            root.deleteLastPathComponent()
        }
        script = root.appendingPathComponent("scripts/rabbitmq-cluster.sh").path
    }

    /// The URL list starting at node `first` (1-based) and wrapping around: clients given it connect to that
    /// node first and fail over to the following ones.
    /// - Parameter first: the node to try first.
    public func url(startingAt first: Int) -> String {
        let start = first - 1
        return (urls[start...] + urls[..<start]).joined(separator: ",")
    }

    /// Stops node `index` (1-based): its connections drop and its queue replicas go away until it returns.
    /// - Throws: ``ClusterScriptFailed`` when the script fails.
    public func stopNode(_ index: Int) async throws { try await run(["stop-node", "\(index)"]) }

    /// Starts node `index` again; it rejoins the cluster with its data.
    /// - Throws: ``ClusterScriptFailed`` when the script fails.
    public func startNode(_ index: Int) async throws { try await run(["start-node", "\(index)"]) }

    /// Runs `rabbitmqctl` against node `index` and returns its output.
    /// - Throws: ``ClusterScriptFailed`` when the command fails.
    @discardableResult
    public func ctl(_ index: Int, _ arguments: [String]) async throws -> String {
        try await run(["ctl", "\(index)"] + arguments)
    }

    /// Runs the script through `ScriptRunner` (a thread of its own, posix_spawn, output to a file), with this
    /// process's environment.
    @discardableResult
    private func run(_ arguments: [String]) async throws -> String {
        let (status, output) = await ScriptRunner.run(
            script: script, arguments: arguments, environment: ProcessInfo.processInfo.environment)
        guard status == 0 else {
            throw ClusterScriptFailed(
                command: "rabbitmq-cluster.sh \(arguments.joined(separator: " ")) (status \(status))", output: output)
        }
        return output
    }
}

/// scripts/rabbitmq-cluster.sh exited with an error.
public struct ClusterScriptFailed: Error, CustomStringConvertible {
    /// The command that failed.
    public var command: String
    /// What it printed.
    public var output: String
    /// The command and its output.
    public var description: String { "\(command) failed:\n\(output)" }
}
