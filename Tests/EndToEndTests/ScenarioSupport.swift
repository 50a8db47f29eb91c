import BatonJSON
import BatonProtocol
import BatonTestSupport
import Foundation
import LocalProcesses
import StatesLanguage
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The seed state machines in deploy/statemachines, with their queue names moved under a test's prefix.
enum Seeds {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The definition of `deploy/statemachines/<name>.asl.json`, its `…/baton.X` queues renamed `…/<prefix>.X`.
    static func definition(_ name: String, prefix: String) throws -> String {
        let file = repository.appendingPathComponent("deploy/statemachines/\(name).asl.json")
        return try String(contentsOf: file, encoding: .utf8)
            .replacingOccurrences(of: "123456789012/baton.", with: "123456789012/\(prefix).")
    }

    /// Registers a seed under its file name and returns its ARN.
    static func register(_ name: String, on client: BatonClient, prefix: String) async throws -> String {
        try await client.createStateMachine(name, definition: try definition(name, prefix: prefix))
    }
}

extension SystemFixture {
    /// Starts a worker with its own data directory and tracks the queues it serves for deletion.
    @discardableResult
    func startWorker(
        _ executable: String, _ arguments: [String] = [], environment: [String: String] = [:],
        queues: [String] = []
    ) throws -> ManagedProcess {
        for queue in queues { track(queue: queue) }
        let data = directory.appendingPathComponent("\(executable)-data").path
        return try start(
            executable, arguments: arguments,
            environment: ["BATON_DATA_DIR": data].merging(environment) { _, new in new })
    }

    /// The function queues a worker-function declares, for cleanup.
    var functionQueues: [String] { ["echo", "sleep", "fail", "callback"].map(names.functionQueue) }

    /// Runs `body`; on failure keeps the scratch files (logs) and rethrows, else cleans up.
    func run(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            await shutdown(keepFiles: true)
            throw error
        }
        await shutdown()
    }
}

extension BatonClient {
    /// The description's `error` field.
    func errorName(_ description: JSON) -> String? { description["error"]?.stringValue }

    /// Waits until the execution's history has at least `count` events of `type`.
    func waitForHistory(_ execution: String, _ type: String, count: Int = 1, deadline: Duration = .seconds(20))
        async throws
    {
        try await waitUntil(deadline: deadline, interval: .milliseconds(100), "\(count)× \(type) in \(execution)") {
            try await historyTypes(execution).filter { $0 == type }.count >= count
        }
    }
}

/// A free TCP port on 127.0.0.1 (bound and released; good enough for one test's child process).
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
        }
    }
    guard bound else { throw ProcessFailure("could not find a free port") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// One run of the built `baton` binary.
struct CLIRun: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String

    /// Runs `baton arguments…` with `environment` and waits for it to exit (at most `deadline`).
    static func baton(_ arguments: [String], environment: [String: String], deadline: Duration = .seconds(30))
        async throws -> CLIRun
    {
        let process = Process()
        process.executableURL = ManagedProcess.binDirectory.appendingPathComponent("baton")
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("baton-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("out"), err = directory.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let pid = process.processIdentifier
        do {
            try await waitUntil(
                deadline: deadline, interval: .milliseconds(20), "baton \(arguments.first ?? "") to exit"
            ) {
                !process.isRunning
            }
        } catch {
            kill(pid, SIGKILL)
            throw error
        }
        return CLIRun(
            status: process.terminationStatus, stdout: try String(contentsOf: out, encoding: .utf8),
            stderr: try String(contentsOf: err, encoding: .utf8))
    }

    /// Standard output parsed as a JSON object.
    var json: JSON { (try? JSON(parsing: stdout)) ?? .null }
}
