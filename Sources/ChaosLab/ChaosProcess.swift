import Foundation
import LocalProcesses

#if canImport(Glibc)
    import Glibc
#endif

/// A Baton executable (orchestrator, worker-function) that a chaos scenario runs next to the `baton` binary:
/// LocalProcesses' ``LaunchedProcess`` (output to a log file, stopped or crashed by pid, killed with `baton`).
typealias ChaosProcess = LaunchedProcess

extension LaunchedProcess {
    /// The directory of the running `baton`, where SwiftPM also puts the other executables.
    static var chaosBinDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["BATON_BIN_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        return URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    }

    /// Starts `name` from the bin directory with the current environment plus `environment`.
    /// - Parameter launcher: a command that runs the executable, e.g. `["/usr/sbin/ip", "netns", "exec", "ns1"]`
    ///   (it must exec it, so the pid stays the executable's).
    convenience init(
        _ name: String, arguments: [String] = [], environment: [String: String], logDirectory: URL,
        launcher: [String] = []
    ) throws {
        let executable = Self.chaosBinDirectory.appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw ChaosError("\(name) not found next to baton (\(executable.path)); build all products first")
        }
        try self.init(
            executable: executable.path, name: name, arguments: arguments,
            environment: ProcessInfo.processInfo.environment.merging(environment) { _, new in new },
            logFile: logDirectory.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(6)).log"),
            launcher: launcher)
    }
}

/// A chaos run could not be set up or a wait ran past its deadline.
struct ChaosError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs a short command (`argv[0]` a path) in this process's environment; returns what it printed.
/// - Throws: `ChaosError` with the output when it exits non-zero or runs past `deadline`.
@discardableResult
func chaosCommand(_ argv: [String], deadline: Duration) async throws -> String {
    let (status, output) = await LaunchedProcess.outcome(
        of: argv[0], arguments: Array(argv.dropFirst()), environment: ProcessInfo.processInfo.environment,
        deadline: deadline)
    guard status == 0 else { throw ChaosError("`\(argv.joined(separator: " "))` failed (\(status)): \(output)") }
    return output
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
