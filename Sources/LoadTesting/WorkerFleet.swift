import Foundation
import LocalProcesses

#if canImport(Glibc)
    import Glibc
#endif

/// The worker-function processes `--workers N` starts next to the `baton` binary and stops at the end.
final class WorkerFleet: @unchecked Sendable {
    // `processes` is written once in `start` and read in `stop`, both from the command's own task.
    private var processes: [LaunchedProcess] = []
    let logDirectory: URL

    init() {
        logDirectory = FileManager.default.temporaryDirectory
            .appendingPathComponent("baton-loadtest-\(getpid())-\(UUID().uuidString.prefix(6))")
    }

    /// The worker-function binary in the directory of the running `baton`.
    static func executable() throws -> URL {
        let own = Bundle.main.executableURL ?? URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let candidate = own.resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent(
            "worker-function")
        guard FileManager.default.isExecutableFile(atPath: candidate.path) else {
            throw LoadtestError("--workers needs worker-function next to baton; not found at \(candidate.path)")
        }
        return candidate
    }

    /// Starts `count` workers serving `queue` with the callback function (with `--stamps`), asking for
    /// `callbackReplies` (`all` or `errors`).
    func start(
        count: Int, amqpURL: String, prefix: String, queueType: String, queue: String, prefetch: Int,
        latency: String?, callbackReplies: String
    ) throws {
        guard count > 0 else { return }
        let binary = try Self.executable()
        try FileManager.default.createDirectory(at: logDirectory, withIntermediateDirectories: true)
        for index in 0..<count {
            var arguments = [
                "--functions", "callback", "--queue", queue, "--prefetch", "\(prefetch)", "--stamps",
                "--log-level", "warning", "--seed", "\(index + 1)", "--callback-replies", callbackReplies,
            ]
            if let latency { arguments += ["--latency", latency] }
            var environment = ProcessInfo.processInfo.environment
            environment["BATON_AMQP_URL"] = amqpURL
            environment["BATON_QUEUE_PREFIX"] = prefix
            environment["BATON_QUEUE_TYPE"] = queueType
            processes.append(
                try LaunchedProcess(
                    executable: binary.path, name: "worker \(index)", arguments: arguments, environment: environment,
                    logFile: logDirectory.appendingPathComponent("worker-\(index).log")))
        }
    }

    /// Whether any worker exited early (a bad flag, no broker).
    var exitedWorker: String? {
        for (index, process) in processes.enumerated() {
            guard let status = process.exitStatus else { continue }
            return "worker \(index) exited with status \(status); log: "
                + logDirectory.appendingPathComponent("worker-\(index).log").path
        }
        return nil
    }

    /// SIGTERM every worker, wait up to `grace`, then SIGKILL the rest.
    func stop(grace: Double = 10) async {
        for process in processes { process.signal(SIGTERM) }
        let deadline = Date().addingTimeInterval(grace)
        while processes.contains(where: \.isRunning) && Date() < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        for process in processes { process.signal(SIGKILL) }
        processes.removeAll()
    }
}
