import Foundation
import LocalProcesses

/// A built Baton executable run as a child process by an end-to-end test: LocalProcesses' ``LaunchedProcess`` (the
/// project's one launcher: output to a log file, stopped by pid, killed with the test run), started from the build's
/// bin directory.
public typealias ManagedProcess = LaunchedProcess

extension LaunchedProcess {
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
    public convenience init(
        _ name: String, arguments: [String] = [], environment: [String: String] = [:], logDirectory: URL? = nil
    ) throws {
        let executable = Self.binDirectory.appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw ProcessFailure(
                "\(executable.path) is not built; run `swift build --build-tests` (scripts/test.sh does) first")
        }
        let directory = logDirectory ?? FileManager.default.temporaryDirectory.appendingPathComponent("baton-e2e")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try self.init(
            executable: executable.path, name: name, arguments: arguments,
            environment: ProcessInfo.processInfo.environment.merging(environment) { _, new in new },
            logFile: directory.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8)).log"))
    }
}
