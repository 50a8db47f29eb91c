import Foundation

/// A built Baton executable run as a child process by an end-to-end test: its output goes to a log file, and the
/// test stops it by pid (SIGTERM for a graceful stop, SIGKILL to simulate a crash).
///
/// The process is started in its own process group, so killing it also kills anything it started.
public final class ManagedProcess: @unchecked Sendable {
    // `process` is only started once in `init` and read afterwards; Foundation's Process is thread-safe for that.
    private let process: Process
    /// The executable's name, e.g. `orchestrator`.
    public let name: String
    /// Where the process's standard output and error go.
    public let logFile: URL

    /// The directory holding the built executables: `BATON_BIN_DIR` if set, else the directory of the running
    /// test bundle (SwiftPM builds products and test bundles side by side).
    public static var binDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["BATON_BIN_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        var url = Bundle.main.bundleURL
        while url.path != "/" {
            if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("orchestrator").path) {
                return url
            }
            url.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    }

    /// Starts `name` from `binDirectory` with `arguments` and the test's environment plus `environment`.
    /// - Throws: when the executable is missing (build with `swift build --build-tests`) or cannot start.
    public init(
        _ name: String, arguments: [String] = [], environment: [String: String] = [:], logDirectory: URL? = nil
    ) throws {
        let executable = Self.binDirectory.appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw ProcessFailure(
                "\(executable.path) is not built; run `swift build --build-tests` (scripts/test.sh does) first")
        }
        let directory = logDirectory ?? FileManager.default.temporaryDirectory.appendingPathComponent("baton-e2e")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        logFile = directory.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8)).log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let handle = try FileHandle(forWritingTo: logFile)
        process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        self.name = name
        try process.run()
        try? handle.close()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// The process id.
    public var pid: Int32 { process.processIdentifier }

    /// Whether the process is still running.
    public var isRunning: Bool { process.isRunning }

    /// The exit status once it has exited (the signal number if a signal ended it).
    public var exitStatus: Int32? { process.isRunning ? nil : process.terminationStatus }

    /// Sends a signal (SIGTERM to stop gracefully, SIGKILL to crash it).
    public func signal(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// Waits until the process has exited, at most `deadline`.
    /// - Throws: `WaitTimeout` if it is still running.
    public func waitForExit(deadline: Duration = .seconds(15)) async throws {
        try await waitUntil(deadline: deadline, "\(name) (pid \(pid)) to exit") { !process.isRunning }
    }

    /// SIGTERM, wait up to `deadline`, then SIGKILL; returns the exit status.
    @discardableResult
    public func stop(deadline: Duration = .seconds(15)) async -> Int32 {
        signal(SIGTERM)
        if (try? await waitForExit(deadline: deadline)) == nil {
            signal(SIGKILL)
            _ = try? await waitForExit(deadline: .seconds(5))
        }
        return process.terminationStatus
    }

    /// kill -9 and wait until it is gone: a crash, as the failure tests need.
    public func crash() async throws {
        signal(SIGKILL)
        try await waitForExit(deadline: .seconds(10))
    }

    /// Everything the process has written so far.
    public func log() -> String {
        (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
    }

    /// Waits until the log contains `text`.
    /// - Throws: `ProcessFailure` with the log's tail if the process exits first, `WaitTimeout` on the deadline.
    public func waitForLog(_ text: String, deadline: Duration = .seconds(20)) async throws {
        try await waitUntil(deadline: deadline, "\(name) to log \"\(text)\"") {
            if log().contains(text) { return true }
            if !process.isRunning {
                throw ProcessFailure(
                    "\(name) exited (\(process.terminationStatus)) before logging \"\(text)\":\n"
                        + String(log().suffix(3000)))
            }
            return false
        }
    }
}

/// A child process could not be started or misbehaved.
public struct ProcessFailure: Error, CustomStringConvertible {
    /// What went wrong, with the process's log tail where useful.
    public var description: String

    /// Creates a failure with a description.
    public init(_ description: String) { self.description = description }
}
