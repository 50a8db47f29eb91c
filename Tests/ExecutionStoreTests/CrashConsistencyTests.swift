import Foundation
import GRDB
import StoreTestSupport
import Testing

@testable import ExecutionStore

#if canImport(Glibc)
    import Glibc
#endif

/// Every transition whose `transition` call returned (the point where the orchestrator acks a delivery) must
/// survive the process dying right after, without `close()`.
/// The SQLite file itself: skipped when the suites run on PostgreSQL (its migrations: PostgresDatabaseTests).
@Suite(.enabled(if: !TemporaryDirectory.isPostgres)) struct CrashConsistencyTests {
    /// The environment variable that turns ``crashChildWritesUntilKilled`` on in the child process.
    static let childDirectoryVariable = "BATON_STORE_CRASH_CHILD_DIR"

    @Test func acknowledgedTransitionsSurviveDroppingTheStoreWithoutClosing() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var acknowledged: [Int64] = []
        do {
            let store = try directory.open()
            acknowledged = try await withThrowingTaskGroup(of: Int64.self) { group in
                for index in 0..<300 {
                    group.addTask {
                        try await store.transition { tx in
                            try tx.insertExecution(Fixture.execution("d\(index)")).id
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            // No close(): the pool is dropped with the WAL not checkpointed.
        }
        let reopened = try directory.open()
        defer { try? reopened.close() }
        for id in acknowledged {
            #expect(try await reopened.execution(id: id) != nil)
        }
    }

    /// Runs this test binary again as a child that writes transitions and prints each acknowledged one, kills it
    /// with SIGKILL mid-writes, and checks that every acknowledged transition is in the reopened store.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/proc/self/exe")))
    func acknowledgedTransitionsSurviveKill9OfTheWritingProcess() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        child.arguments = ["--testing-library", "swift-testing", "--filter", "crashChildWritesUntilKilled"]
        var environment = ProcessInfo.processInfo.environment
        environment[Self.childDirectoryVariable] = directory.url.path
        child.environment = environment
        let output = Pipe()
        child.standardOutput = output
        child.standardError = FileHandle.nullDevice
        try child.run()

        // Read acknowledgements until enough arrived, then kill while the child keeps writing.
        var acknowledged = Set<String>()
        var buffer = Data()
        let reader = output.fileHandleForReading
        while acknowledged.count < 2000 {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                if line.hasPrefix("ACK ") { acknowledged.insert(String(line.dropFirst(4))) }
            }
        }
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        #expect(child.terminationReason == .uncaughtSignal)
        #expect(acknowledged.count >= 2000)

        let store = try directory.open()
        defer { try? store.close() }
        for name in acknowledged {
            #expect(try await store.execution(arn: Fixture.execution(name).arn) != nil, "lost \(name)")
        }
    }

    /// The child half of the kill -9 test: writes forever (until killed), 32 transitions in flight, printing
    /// `ACK <name>` after each commit. Does nothing unless the parent set the environment variable.
    @Test(.enabled(if: ProcessInfo.processInfo.environment[childDirectoryVariable] != nil))
    func crashChildWritesUntilKilled() async throws {
        let path = try #require(ProcessInfo.processInfo.environment[Self.childDirectoryVariable])
        let store = try ExecutionStore(directory: URL(fileURLWithPath: path))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<32 {
                group.addTask {
                    for index in 0..<1_000_000 {
                        let name = "k\(worker)-\(index)"
                        try await store.transition { tx in
                            let execution = try tx.insertExecution(Fixture.execution(name))
                            try tx.appendHistory([Fixture.event("ExecutionStarted")], executionID: execution.id)
                            try tx.enqueueOutbox(NewOutboxMessage(exchange: "", routingKey: "q", body: Data()))
                        }
                        // One write(2) per line, so the parent never reads an acknowledgement before its commit.
                        let line = Array("ACK \(name)\n".utf8)
                        _ = line.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}
