import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A Baton executable (orchestrator, worker-function) that a chaos scenario runs next to the `baton` binary:
/// output to a log file, stopped or crashed by pid.
final class ChaosProcess: @unchecked Sendable {
    // `process` is started once in `init` and only read afterwards; Foundation's Process allows that.
    private let process: Process
    let name: String
    let logFile: URL

    /// The directory of the running `baton`, where SwiftPM also puts the other executables.
    static var binDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["BATON_BIN_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        return URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    }

    /// Starts `name` from the bin directory.
    /// - Parameter launcher: a command that runs the executable, e.g. `["/usr/sbin/ip", "netns", "exec", "ns1"]`
    ///   (it must exec it, so the pid stays the executable's).
    init(
        _ name: String, arguments: [String] = [], environment: [String: String], logDirectory: URL,
        launcher: [String] = []
    ) throws {
        let executable = Self.binDirectory.appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw ChaosError("\(name) not found next to baton (\(executable.path)); build all products first")
        }
        logFile = logDirectory.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(6)).log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let handle = try FileHandle(forWritingTo: logFile)
        defer { try? handle.close() }
        process = Process()
        if let program = launcher.first {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = Array(launcher.dropFirst()) + [executable.path] + arguments
        } else {
            process.executableURL = executable
            process.arguments = arguments
        }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        self.name = name
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// Sends a signal (SIGSTOP pauses, SIGCONT resumes).
    func signal(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// Resident memory in KiB, from /proc (nil when unavailable).
    func residentKiB() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return nil }
        return Int(line.split(separator: " ").dropFirst().first ?? "")
    }

    func log() -> String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// Waits until the log contains `text`; fails early with the log's tail if the process exits.
    func waitForLog(_ text: String, deadline: Duration = .seconds(30)) async throws {
        try await chaosWait(deadline: deadline, "\(name) to log \"\(text)\"") {
            if log().contains(text) { return true }
            if !process.isRunning {
                throw ChaosError("\(name) exited before logging \"\(text)\":\n" + String(log().suffix(2000)))
            }
            return false
        }
    }

    /// kill -9 and wait until it is gone.
    func crash() async throws {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try await chaosWait(deadline: .seconds(10), "\(name) to die") { !process.isRunning }
    }

    /// SIGTERM, then SIGKILL after `grace`.
    func stop(grace: Duration = .seconds(10)) async {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        if (try? await chaosWait(deadline: grace, "\(name) to stop", { !process.isRunning })) == nil {
            try? await crash()
        }
    }
}

/// A chaos run could not be set up or a wait ran past its deadline.
struct ChaosError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Polls `condition` until it holds; throws `ChaosError` once `deadline` has passed.
func chaosWait(
    deadline: Duration, interval: Duration = .milliseconds(50), _ what: String,
    _ condition: () async throws -> Bool
) async throws {
    let end = ContinuousClock.now.advanced(by: deadline)
    while true {
        if try await condition() { return }
        guard ContinuousClock.now < end else { throw ChaosError("timed out after \(deadline) waiting for \(what)") }
        try await Task.sleep(for: interval)
    }
}
