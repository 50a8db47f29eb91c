import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A RabbitMQ node of a scenario's own (scripts/rabbitmq-node.sh with its own node name, ports and base
/// directory), for faults that stop the broker or raise alarms: the shared development node is never touched.
struct ChaosBrokerNode: Sendable {
    let port: Int
    private let script: String
    private let environment: [String: String]

    /// - Throws: `ChaosError` when scripts/rabbitmq-node.sh is not found (set BATON_RMQ_SCRIPT).
    init(port: Int = 5791) throws {
        self.port = port
        let found: String? = {
            if let path = ProcessInfo.processInfo.environment["BATON_RMQ_SCRIPT"] { return path }
            var directory = ChaosProcess.binDirectory
            while directory.path != "/" {
                let candidate = directory.appendingPathComponent("scripts/rabbitmq-node.sh").path
                if FileManager.default.fileExists(atPath: candidate) { return candidate }
                directory.deleteLastPathComponent()
            }
            return nil
        }()
        guard let found else {
            throw ChaosError(
                "scripts/rabbitmq-node.sh not found above \(ChaosProcess.binDirectory.path); set BATON_RMQ_SCRIPT")
        }
        script = found
        var environment = ProcessInfo.processInfo.environment
        environment["BATON_RMQ_NODE"] = "baton-chaos-\(port)@localhost"
        environment["BATON_RMQ_PORT"] = "\(port)"
        environment["BATON_RMQ_DIST_PORT"] = "\(port + 20000)"
        environment["BATON_RMQ_EPMD_PORT"] = "\(port - 1000)"
        // Its own data directory (derived from the node name), never an inherited one such as the test run's.
        environment["BATON_RMQ_BASE"] = nil
        self.environment = environment
    }

    var url: String { "amqp://guest:guest@127.0.0.1:\(port)/%2f" }

    func start() async throws { try await run(["start"]) }
    func stop() async throws { try await run(["stop"]) }
    /// rabbitmqctl against this node; returns its output.
    @discardableResult
    func ctl(_ arguments: [String]) async throws -> String { try await run(["ctl"] + arguments) }

    @discardableResult
    private func run(_ arguments: [String]) async throws -> String {
        let argv = ["/bin/bash", script] + arguments
        let environment = environment.map { "\($0.key)=\($0.value)" }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("chaos-node-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let status: Int32 = await withCheckedContinuation { continuation in
            // posix_spawn + waitpid block: a thread of their own keeps them off the cooperative pool.
            let thread = Thread { continuation.resume(returning: spawnAndWait(argv, environment, log.path)) }
            thread.start()
        }
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        guard status == 0 else {
            throw ChaosError(
                "rabbitmq-node.sh \(arguments.joined(separator: " ")) failed (\(status)): \(output.suffix(800))")
        }
        return output
    }
}

/// Runs argv with default signal dispositions (the broker's wrapper needs SIGTERM) and returns its exit status.
private func spawnAndWait(_ argv: [String], _ environment: [String], _ logPath: String) -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    let cArgv = argv.map { strdup($0) } + [nil]
    let cEnvironment = environment.map { strdup($0) } + [nil]
    defer { for pointer in cArgv + cEnvironment { free(pointer) } }
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
    guard posix_spawn(&pid, argv[0], &actions, &attributes, cArgv, cEnvironment) == 0 else { return -1 }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
}
