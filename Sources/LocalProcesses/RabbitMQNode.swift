import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A RabbitMQ node of a caller's own — scripts/rabbitmq-node.sh with its own node name, ports and data
/// directory — for tests and chaos scenarios that stop, restart, throttle or re-wire a broker without disturbing
/// the shared one. The one launcher of the package: `baton chaos` and BatonTestSupport's `PrivateBrokerNode` use it.
public struct RabbitMQNode: Sendable {
    /// The node name, e.g. `amqptest1@localhost`.
    public let name: String
    /// The AMQP port.
    public let port: Int
    private let script: String
    private let environment: [String: String]

    /// Describes a node; nothing is started yet.
    /// - Parameters:
    ///   - name: short node name (unique per test or scenario).
    ///   - port: AMQP port; the distribution port is `port + 20000` and epmd `port - 1000`.
    ///   - environment: extra script variables, e.g. `BATON_RMQ_LISTEN`, `BATON_RMQ_HEARTBEAT`, `BATON_RMQ_BASE`.
    ///     Without `BATON_RMQ_BASE` the data directory derives from the node name, never an inherited one.
    ///   - filePath: leave the default; it locates the repository when `BATON_RMQ_SCRIPT` is not set.
    /// - Throws: ``NodeScriptFailed`` when scripts/rabbitmq-node.sh is found neither through `BATON_RMQ_SCRIPT`,
    ///   above this source file, nor above the running executable.
    public init(name: String, port: Int, environment extra: [String: String] = [:], filePath: String = #filePath)
        throws
    {
        self.name = "\(name)@localhost"
        self.port = port
        guard let script = Self.locateScript(from: filePath) else {
            throw NodeScriptFailed(
                command: "locating scripts/rabbitmq-node.sh",
                output: "not found above \(filePath) or the executable; set BATON_RMQ_SCRIPT")
        }
        self.script = script
        var environment = ProcessInfo.processInfo.environment
        environment["BATON_RMQ_NODE"] = self.name
        environment["BATON_RMQ_PORT"] = "\(port)"
        environment["BATON_RMQ_DIST_PORT"] = "\(port + 20000)"
        environment["BATON_RMQ_EPMD_PORT"] = "\(port - 1000)"
        // Its own data directory (derived from the node name) unless the caller names one; never an inherited
        // one such as the test run's.
        environment["BATON_RMQ_BASE"] = nil
        environment.merge(extra) { _, new in new }
        self.environment = environment
    }

    /// The node's AMQP URL on loopback.
    public var url: String { "amqp://guest:guest@127.0.0.1:\(port)/%2f" }

    /// Starts the node and waits until it accepts connections.
    /// - Throws: ``NodeScriptFailed`` if the script fails.
    public func start() async throws { try await run(["start"]) }

    /// Stops the node.
    /// - Throws: ``NodeScriptFailed`` if the script fails.
    public func stop() async throws { try await run(["stop"]) }

    /// Runs `rabbitmqctl` against the node and returns what it printed.
    /// - Parameter arguments: rabbitmqctl arguments, e.g. `["set_vm_memory_high_watermark", "0.0000001"]`.
    /// - Throws: ``NodeScriptFailed`` if the command fails.
    @discardableResult
    public func ctl(_ arguments: [String]) async throws -> String { try await run(["ctl"] + arguments) }

    /// Freezes the node's Erlang VM (SIGSTOP): its sockets stay open and nothing answers — a hung broker, not a
    /// gone one.
    /// - Throws: ``NodeScriptFailed`` if the node is not running.
    public func freeze() async throws { _ = try await run(["freeze"]) }

    /// Lets a frozen node run again (SIGCONT).
    /// - Throws: ``NodeScriptFailed`` if the node is not running.
    public func thaw() async throws { _ = try await run(["thaw"]) }

    /// `BATON_RMQ_SCRIPT`, else scripts/rabbitmq-node.sh in the first directory above `filePath` (this source
    /// file, in a checkout) or above the running executable that has one.
    private static func locateScript(from filePath: String) -> String? {
        if let path = ProcessInfo.processInfo.environment["BATON_RMQ_SCRIPT"], !path.isEmpty { return path }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        for start in [URL(fileURLWithPath: filePath), executable] {
            var directory = start.deletingLastPathComponent()
            while directory.path != "/" {
                let candidate = directory.appendingPathComponent("scripts/rabbitmq-node.sh").path
                if FileManager.default.fileExists(atPath: candidate) { return candidate }
                directory.deleteLastPathComponent()
            }
        }
        return nil
    }

    @discardableResult
    private func run(_ arguments: [String]) async throws -> String {
        let (status, output) = await ScriptRunner.run(script: script, arguments: arguments, environment: environment)
        guard status == 0 else {
            throw NodeScriptFailed(
                command: "rabbitmq-node.sh \(arguments.joined(separator: " ")) (status \(status))", output: output)
        }
        return output
    }
}

/// Runs the project's node scripts (scripts/rabbitmq-node.sh, scripts/rabbitmq-cluster.sh).
public enum ScriptRunner {
    /// Runs `bash script arguments…` as a ``LaunchedProcess`` and waits for it (up to ten minutes: a cluster
    /// forms in about 25 s, a node stops in seconds).
    /// - Returns: the exit status (the signal number when a signal ended it; -1 when it could not start or did
    ///   not end in time) and everything it printed.
    public static func run(script: String, arguments: [String], environment: [String: String]) async -> (
        status: Int32, output: String
    ) {
        await LaunchedProcess.outcome(
            of: "/bin/bash", name: URL(fileURLWithPath: script).lastPathComponent, arguments: [script] + arguments,
            environment: environment, deadline: .seconds(600))
    }
}

extension LaunchedProcess {
    /// Runs a command to its end, its output in a temporary log file removed afterwards.
    /// - Returns: the exit status (the signal number when a signal ended it; -1 when it could not start or did
    ///   not end within `deadline`) and everything it printed (with the reason first, for -1).
    public static func outcome(
        of executable: String, name: String? = nil, arguments: [String], environment: [String: String],
        deadline: Duration
    ) async -> (status: Int32, output: String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent(
            "baton-command-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        do {
            let process = try LaunchedProcess(
                executable: executable, name: name, arguments: arguments, environment: environment, logFile: log)
            try await process.waitForExit(deadline: deadline)
            return (process.exitStatus ?? -1, process.log())
        } catch {
            return (-1, "\(error)\n" + ((try? String(contentsOf: log, encoding: .utf8)) ?? ""))
        }
    }
}

/// scripts/rabbitmq-node.sh could not be found or exited with an error.
public struct NodeScriptFailed: Error, CustomStringConvertible {
    /// The command that failed.
    public var command: String
    /// What it printed.
    public var output: String

    /// Creates the error.
    public init(command: String, output: String) {
        self.command = command
        self.output = output
    }

    /// The command and its output.
    public var description: String { "\(command) failed:\n\(output)" }
}
