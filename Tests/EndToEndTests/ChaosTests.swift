import BatonTestSupport
import Foundation
import LocalProcesses
import Testing

/// CI's bounded subset of the failure-mode lab: the built `baton chaos run` against the real orchestrator,
/// worker-function processes and broker, with small counts; every scenario must end with an intact ledger.
@Suite(.serialized) struct ChaosTests {
    @Test func boundedChaosScenariosLoseAndDoubleNothing() async throws {
        let url = try TestBroker.url()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("baton-chaos-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let json = directory.appendingPathComponent("chaos.json")
        let report = directory.appendingPathComponent("chaos.md")
        let scenarios = ["callbacks", "never-callback", "worker-crash", "poison", "outage-redrive"]
        let baton = try ManagedProcess(
            "baton",
            arguments: [
                "chaos", "run", scenarios.joined(separator: ","), "--executions", "30", "--callbacks", "200",
                "--json", json.path, "--report", report.path, "--amqp-url", url,
            ],
            logDirectory: directory)
        try await baton.waitForExit(deadline: .seconds(300))
        #expect(baton.exitStatus == 0, "\(baton.log().suffix(3000))")
        let data = try Data(contentsOf: json)
        let results = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        #expect(results.map { $0["scenario"] as? String } == scenarios)
        for result in results {
            let name = result["scenario"] as? String ?? "?"
            #expect(result["lost"] as? Int == 0, "\(name) lost executions")
            #expect(result["duplicated"] as? Int == 0, "\(name) doubled executions")
            #expect(result["passed"] as? Bool == true, "\(name): \(result["failures"] ?? "")")
            #expect((result["executions"] as? Int ?? 0) >= 30, "\(name) ran too few executions")
        }
        let markdown = try String(contentsOf: report, encoding: .utf8)
        #expect(markdown.contains("FAULT"))
        // Each scenario's per-second timeline: executions started and ended, faults marked.
        #expect(markdown.components(separatedBy: "| s | started | terminal |").count == scenarios.count + 1)
        #expect(markdown.contains("| ⚡ "))
        for result in results {
            let seconds = result["perSecond"] as? [[String: Any]] ?? []
            let started = seconds.reduce(0) { $0 + ($1["started"] as? Int ?? 0) }
            #expect(started == result["executions"] as? Int, "\(result["scenario"] ?? "?") per-second starts")
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
