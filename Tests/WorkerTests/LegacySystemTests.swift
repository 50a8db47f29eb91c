import BatonProtocol
import BatonTestSupport
import Foundation
import LocalProcesses
import Testing

/// legacy-system as a separate process: jobs, heartbeats paced by the task header, restart mid-job.
@Suite struct LegacySystemTests {
    func startLegacy(
        _ double: OrchestratorDouble, dataDir: URL, _ arguments: [String] = []
    ) async throws -> ManagedProcess {
        try await double.declare(double.names.jobQueue)  // legacy-system declares it too; the double deletes it
        return try ManagedProcess(
            "legacy-system", arguments: ["--data-dir", dataDir.path] + arguments, environment: try double.environment)
    }

    func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("legacy-\(UUID().uuidString)")
    }

    @Test func syncJobWithSuccessStatusHeartbeatsThenSucceedsWithCompletedAt() async throws {
        let dataDir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dataDir) }
        try await withOrchestrator { double, processes in
            processes.append(try await startLegacy(double, dataDir: dataDir))
            // HeartbeatSeconds 1 → a heartbeat every 0.8 s during a 4 s job (room for a loaded machine).
            try await double.publishTask(
                to: double.names.jobQueue, body: #"{"status":"success","durationSeconds":4,"order":5}"#,
                token: "tok-job", integration: "job.sync", heartbeatSeconds: 1)
            let final = try #require(try await double.waitForCallbacks(1).first)
            let heartbeats = double.callbacks.filter { $0.outcome == .heartbeat }
            #expect(heartbeats.count >= 2)
            #expect(heartbeats.allSatisfy { $0.taskToken == "tok-job" })
            let output = try #require(final.outputObject)
            #expect(output["status"] as? String == "success")
            #expect(output["order"] as? Int == 5)
            #expect(output["completedAt"] is String)
            // The job file goes once the report's publish is confirmed (a moment after the double saw it).
            try await waitUntil("the job file to be removed") {
                try FileManager.default.contentsOfDirectory(atPath: dataDir.appendingPathComponent("jobs").path).isEmpty
            }
        }
    }

    @Test func callbackMessageWithAnyOtherStatusFailsWithJobFailed() async throws {
        let dataDir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dataDir) }
        try await withOrchestrator { double, processes in
            let queue = "\(double.names.prefix).legacy"
            try await double.declare(queue)
            processes.append(
                try await startLegacy(double, dataDir: dataDir, ["--queue", queue, "--job-duration", "300ms"]))
            try await double.publishTask(
                to: queue, body: #"{"taskToken":"tok-cb","status":"fail"}"#, integration: "sqs.waitForTaskToken")
            let callback = try #require(try await double.waitForCallbacks(1).first)
            #expect(callback.taskToken == "tok-cb")
            guard case .failure(let error, let cause) = callback.outcome else {
                Issue.record("expected failure"); return
            }
            #expect(error == "JobFailed")
            #expect(cause?.contains("fail") == true)
        }
    }

    @Test func restartMidJobResumesTheJobAndStillReportsIt() async throws {
        let dataDir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dataDir) }
        try await withOrchestrator { double, processes in
            let first = try await startLegacy(double, dataDir: dataDir, ["--heartbeat-interval", "300ms"])
            processes.append(first)
            try await double.publishTask(
                to: double.names.jobQueue, body: #"{"status":"success","durationSeconds":2.5}"#, token: "tok-restart",
                integration: "job.sync")
            try await first.waitForLog("job accepted")
            _ = try await double.waitForCallbacks(1, including: true)  // working: a heartbeat came
            try await first.crash()
            #expect(double.callbacks.allSatisfy { $0.outcome == .heartbeat })
            let second = try await startLegacy(double, dataDir: dataDir, ["--heartbeat-interval", "300ms"])
            processes.append(second)
            try await second.waitForLog("job resumed", deadline: .seconds(60))
            let final = try #require(try await double.waitForCallbacks(1).first)
            #expect(final.taskToken == "tok-restart")
            #expect(final.outputObject?["status"] as? String == "success")
        }
    }
}
