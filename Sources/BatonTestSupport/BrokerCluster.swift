import Foundation

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

    /// Runs the script on a thread of its own with posix_spawn and waitpid, output to a file (a pipe would be
    /// held open by the broker the script starts), default signal dispositions and an empty mask (the broker's
    /// wrapper needs SIGTERM) — as `PrivateBrokerNode` does for single nodes.
    @discardableResult
    private func run(_ arguments: [String]) async throws -> String {
        let argv = ["/bin/bash", script] + arguments
        let environment = ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("rabbitmq-cluster-\(UUID()).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let status: Int32 = await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: Self.spawnAndWait(argv, environment, log.path)) }
            thread.start()
        }
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        guard status == 0 else {
            throw ClusterScriptFailed(
                command: "rabbitmq-cluster.sh \(arguments.joined(separator: " ")) (status \(status))", output: output)
        }
        return output
    }

    private static func spawnAndWait(_ argv: [String], _ environment: [String], _ logPath: String) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup($0) } + [nil]
        defer { for pointer in cArgv + cEnv { free(pointer) } }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        guard posix_spawn(&pid, argv[0], &actions, &attributes, cArgv, cEnv) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
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
