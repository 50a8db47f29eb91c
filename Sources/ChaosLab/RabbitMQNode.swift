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
    /// Runs `bash script arguments…` on a thread of its own (it takes seconds; the cooperative pool must not block)
    /// with posix_spawn and waitpid. Foundation's `Process` is avoided: its exit monitoring was seen to miss the
    /// child's exit when used from concurrent tests.
    /// - Returns: the exit status (128 + signal when killed) and everything it printed.
    public static func run(script: String, arguments: [String], environment: [String: String]) async -> (
        status: Int32, output: String
    ) {
        let argv = ["/bin/bash", script] + arguments
        let environment = environment.map { "\($0.key)=\($0.value)" }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("baton-script-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let status: Int32 = await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: spawnAndWait(argv, environment, log.path)) }
            thread.start()
        }
        return (status, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }

    /// Output goes to a file, not a pipe: the broker the script starts in the background would inherit a pipe
    /// and keep it open.
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
        // Default dispositions and an empty mask: the calling process blocks or ignores signals the broker's
        // wrapper needs (a blocked SIGTERM turns a 3 s stop into a 30 s wait and a KILL).
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
