import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A child process started by Baton's tooling — the failure lab, the load tester, the tests: its output goes to a
/// log file, it is stopped or crashed by pid, and it dies with its parent.
///
/// The project's one launcher. It spawns with `posix_spawn` (Foundation's `Process` was seen to miss a child's exit
/// when used from concurrent tests) from one thread that never exits, with default signal dispositions and an
/// empty signal mask, and — where util-linux's `setpriv` exists — with a parent-death signal (SIGKILL): a test run
/// or `baton chaos` killed with SIGKILL leaves no orchestrator or worker behind. Linux sends the parent-death
/// signal when the *thread* that spawned the child ends, which is why every spawn happens on ``SpawnThread``.
public final class LaunchedProcess: Sendable {
    /// The process id (the executable's: the parent-death wrapper and any `launcher` exec it).
    public let pid: pid_t
    /// A short name for messages, e.g. `orchestrator`.
    public let name: String
    /// Where the process's standard output and error go.
    public let logFile: URL
    /// The decoded wait status once the child has been reaped.
    private let reaped = Mutex<Int32?>(nil)

    /// Starts a process.
    /// - Parameters:
    ///   - executable: the program's path.
    ///   - name: a short name for messages (the executable's file name when nil).
    ///   - arguments: its arguments.
    ///   - environment: its whole environment.
    ///   - logFile: where standard output and error go (created or truncated).
    ///   - launcher: a command that runs the executable and execs it, e.g. `["/usr/sbin/ip", "netns", "exec",
    ///     "ns1"]` (so the pid stays the executable's).
    /// - Throws: ``ProcessFailure`` when the executable is missing or the spawn fails.
    public init(
        executable: String, name: String? = nil, arguments: [String] = [], environment: [String: String],
        logFile: URL, launcher: [String] = []
    ) throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw ProcessFailure("\(executable) is not an executable file")
        }
        let argv = Self.parentDeathPrefix + launcher + [executable] + arguments
        let environment = environment.map { "\($0.key)=\($0.value)" }
        let logPath = logFile.path
        switch SpawnThread.shared.perform({ spawn(argv, environment, logPath) }) {
        case .success(let pid):
            self.pid = pid
        case .failure(let error):
            throw ProcessFailure(
                "cannot start \(argv.joined(separator: " ")): \(String(cString: strerror(error.code)))")
        }
        self.name = name ?? URL(fileURLWithPath: executable).lastPathComponent
        self.logFile = logFile
    }

    deinit {
        if isRunning {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
    }

    /// `setpriv --pdeathsig KILL --` where util-linux's setpriv is installed (Debian's base system has it).
    static let parentDeathPrefix: [String] = {
        #if os(Linux)
            for path in ["/usr/bin/setpriv", "/bin/setpriv"] where FileManager.default.isExecutableFile(atPath: path) {
                return [path, "--pdeathsig", "KILL", "--"]
            }
        #endif
        return []
    }()

    /// Whether the process has not exited yet (reaps it when it has).
    public var isRunning: Bool { exitStatus == nil }

    /// The exit code once it has exited; the signal number if a signal ended it; nil while it runs.
    public var exitStatus: Int32? {
        reaped.withLock { reaped in
            if let status = reaped { return status }
            var status: Int32 = 0
            var result: pid_t
            repeat { result = waitpid(pid, &status, WNOHANG) } while result < 0 && errno == EINTR
            guard result == pid else { return nil }
            let decoded = (status & 0x7f) == 0 ? (status >> 8) & 0xff : status & 0x7f
            reaped = decoded
            return decoded
        }
    }

    /// Sends a signal (SIGTERM to stop gracefully, SIGKILL to crash it, SIGSTOP/SIGCONT to pause and resume).
    public func signal(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// Waits until the process has exited, at most `deadline`.
    /// - Throws: ``ProcessFailure`` if it is still running then.
    public func waitForExit(deadline: Duration = .seconds(15)) async throws {
        let end = ContinuousClock.now.advanced(by: deadline)
        while isRunning {
            guard ContinuousClock.now < end else {
                throw ProcessFailure("timed out after \(deadline) waiting for \(name) (pid \(pid)) to exit")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// SIGTERM, wait up to `grace`, then SIGKILL; returns the exit status.
    @discardableResult
    public func stop(grace: Duration = .seconds(15)) async -> Int32 {
        signal(SIGTERM)
        if (try? await waitForExit(deadline: grace)) == nil {
            signal(SIGKILL)
            _ = try? await waitForExit(deadline: .seconds(5))
        }
        return exitStatus ?? -1
    }

    /// kill -9 and wait until it is gone: a crash.
    public func crash() async throws {
        signal(SIGKILL)
        try await waitForExit(deadline: .seconds(10))
    }

    /// Everything the process has written so far.
    public func log() -> String {
        (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
    }

    /// Waits until the log contains `text`.
    /// - Throws: ``ProcessFailure`` with the log's tail if the process exits first or the deadline passes.
    public func waitForLog(_ text: String, deadline: Duration = .seconds(20)) async throws {
        let end = ContinuousClock.now.advanced(by: deadline)
        while !log().contains(text) {
            if let status = exitStatus {
                throw ProcessFailure(
                    "\(name) exited (\(status)) before logging \"\(text)\":\n" + String(log().suffix(3000)))
            }
            guard ContinuousClock.now < end else {
                throw ProcessFailure("timed out after \(deadline) waiting for \(name) to log \"\(text)\"")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Resident memory in KiB, from /proc (nil when unavailable).
    public func residentKiB() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return nil }
        return Int(line.split(separator: " ").dropFirst().first ?? "")
    }
}

/// posix_spawn with standard input from /dev/null, standard output and error to `logPath`, default signal
/// dispositions and an empty mask (the caller may block or ignore signals a child needs: a blocked SIGTERM turns
/// a 3 s broker stop into a 30 s wait and a KILL). Output goes to a file, not a pipe: a broker a script starts in
/// the background would inherit a pipe and keep it open.
private func spawn(_ argv: [String], _ environment: [String], _ logPath: String) -> Result<pid_t, SpawnError> {
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
    let code = posix_spawn(&pid, argv[0], &actions, &attributes, cArgv, cEnv)
    return code == 0 ? .success(pid) : .failure(SpawnError(code: code))
}

/// posix_spawn's error number.
struct SpawnError: Error {
    var code: Int32
}

/// A child process could not be started, or did not do in time what was waited for.
public struct ProcessFailure: Error, CustomStringConvertible {
    /// What went wrong, with the process's log tail where useful.
    public var description: String

    /// Creates a failure with a description.
    public init(_ description: String) { self.description = description }
}
