import BatonProtocol
import BatonTestSupport
import Foundation
import LocalProcesses
import Testing

/// `baton loadtest` (the built binary) against a real orchestrator: the report's keys and the ledger, not speed.
@Suite(.serialized) struct LoadtestTests {
    /// Runs `baton loadtest` in `system` with `arguments` and returns the parsed `--json` report.
    private func loadtest(
        _ system: SystemFixture, _ arguments: [String], quiet: Bool = true, log: ((String) -> Void)? = nil
    ) async throws -> [String: Any] {
        let json = system.directory.appendingPathComponent("loadtest-\(UUID().uuidString.prefix(6)).json")
        let report = json.deletingPathExtension().appendingPathExtension("html")
        system.track(queue: "\(system.names.prefix).loadtest")
        system.track(queue: system.names.functionQueue("callback"))
        let process = try system.start(
            "baton",
            arguments: ["loadtest", "--workers", "1"] + (quiet ? ["--quiet"] : [])
                + ["--json", json.path, "--report", report.path] + arguments)
        try await process.waitForExit(deadline: .seconds(60))
        #expect(process.exitStatus == 0, "baton loadtest failed:\n\(process.log())")
        log?(process.log())
        let html = try String(contentsOf: report, encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("</html>"))
        let data = try Data(contentsOf: json)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// The one launcher gives every child a parent-death signal: when `baton loadtest` is killed with SIGKILL (no
    /// chance to stop its workers), the worker-function it started dies with it instead of serving on.
    @Test func workersDieWithAKilledLoadTester() async throws {
        let system = try await SystemFixture(label: "loadtest-orphans")
        do {
            system.track(queue: "\(system.names.prefix).loadtest")
            let baton = try system.start(
                "baton",
                arguments: ["loadtest", "--workers", "1", "--quiet", "--duration", "60s", "--concurrency", "4"])
            var worker: Int32?
            try await waitUntil(deadline: .seconds(30), "baton loadtest to start its worker") {
                worker = Self.children(of: baton.pid).first
                return worker != nil
            }
            let orphan = try #require(worker)
            #expect(kill(orphan, 0) == 0, "the worker runs")
            try await baton.crash()
            try await waitUntil(deadline: .seconds(10), "worker pid \(orphan) to die with its parent") {
                // Gone, or a zombie waiting for init to reap it.
                kill(orphan, 0) != 0 || Self.state(of: orphan) == "Z"
            }
        } catch {
            await system.shutdown(keepFiles: true)
            throw error
        }
        await system.shutdown()
    }

    /// The pids whose parent is `pid`, from /proc.
    private static func children(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { candidate in
            guard let stat = try? String(contentsOfFile: "/proc/\(candidate)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == pid
        }
    }

    /// A process's state letter (R, S, Z …) from /proc, nil when it is gone.
    private static func state(of pid: Int32) -> String? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        return stat[stat.index(after: close)...].split(separator: " ").first.map(String.init)
    }

    @Test func closedModelCompletesEveryExecutionOnceAndReportsPercentiles() async throws {
        let system = try await SystemFixture(label: "loadtest")
        do {
            let report = try await loadtest(system, ["--executions", "200", "--concurrency", "16"])
            #expect(report["completed"] as? Int == 200)
            #expect((report["errors"] as? [String: Int])?.isEmpty == true)
            #expect(((report["completed_per_second"] as? NSNumber)?.doubleValue ?? 0) > 0)
            let latency = try #require(report["latency_ms"] as? [String: Any])
            for key in ["p50", "p90", "p99", "p999", "max"] { #expect(latency[key] is NSNumber, "latency_ms.\(key)") }
            let ledger = try #require(report["ledger"] as? [String: Any])
            #expect(ledger["passed"] as? Bool == true)
            #expect(ledger["started"] as? Int == 200)
            #expect(ledger["ended_exactly_once"] as? Int == 200)
            let phases = try #require(report["phases_ms"] as? [String: [String: Any]])
            // Every execution's worker stamps reach the phases, also when its terminal event overtakes the start
            // reply (the send time is recorded before the request goes out).
            let stamped = phases["task_to_callback"]?["count"] as? Int ?? 0
            #expect(stamped == 200, "worker stamps reach the report (\(stamped) of 200)")
            #expect(report["configuration"] is [String: Any] && report["machine"] is [String: Any])
            #expect(report["versions"] is [String: Any])
        } catch {
            await system.shutdown(keepFiles: true)
            throw error
        }
        await system.shutdown()
    }

    /// `--start-replies errors`: starts wait only for the broker, accepted ones get no answer (no start-reply phase)
    /// and refused ones are still counted, by their AWS error type, from the late refusal.
    @Test func startsThatAskForRefusalsOnlyStillCountRefusals() async throws {
        let system = try await SystemFixture(label: "loadtest-refusals")
        do {
            let report = try await loadtest(
                system, ["--executions", "100", "--concurrency", "16", "--start-replies", "errors"])
            #expect(report["completed"] as? Int == 100)
            #expect((report["errors"] as? [String: Int])?.isEmpty == true)
            #expect((report["ledger"] as? [String: Any])?["ended_exactly_once"] as? Int == 100)
            let phases = try #require(report["phases_ms"] as? [String: [String: Any]])
            #expect(phases["start_reply"]?["count"] as? Int == 0, "no start reply is awaited")
            #expect(phases["task_to_callback"]?["count"] as? Int == 100)

            // Inputs over the 262,144-byte limit: every start is refused with InvalidExecutionInput.
            let refused = try await loadtest(
                system,
                ["--executions", "5", "--concurrency", "2", "--start-replies", "errors", "--message-size", "300000"])
            #expect(refused["completed"] as? Int == 0)
            #expect((refused["errors"] as? [String: Int]) == ["InvalidExecutionInput": 5])
            #expect((refused["ledger"] as? [String: Any])?["started"] as? Int == 0)
        } catch {
            await system.shutdown(keepFiles: true)
            throw error
        }
        await system.shutdown()
    }

    /// The live view: one progress line a second while it runs (started, completed, rate, in flight, p99 so far,
    /// errors), then the summary table.
    @Test func theLiveViewPrintsProgressEverySecondThenTheSummary() async throws {
        let system = try await SystemFixture(label: "loadtest-live")
        do {
            var output = ""
            let report = try await loadtest(
                system, ["--duration", "3s", "--concurrency", "4"], quiet: false, log: { output = $0 })
            let completed = try #require(report["completed"] as? Int)
            #expect(completed > 0)
            let pattern =
                /\[ *(\d+)s\] started (\d+)  completed (\d+)  rate (\d+)\/s  in flight (\d+)  p99 ([\d.]+) ms  errors (\d+)/
            let lines = output.split(separator: "\n").compactMap { try? pattern.firstMatch(in: String($0)) }
            #expect(lines.count >= 2, "a progress line a second for 3 s:\n\(output)")
            #expect(lines.map { Int($0.output.1) ?? 0 } == Array(1...max(1, lines.count)), "ticks count seconds")
            #expect(lines.contains { (Int($0.output.3) ?? 0) > 0 && (Double($0.output.6) ?? 0) > 0 })
            #expect(lines.allSatisfy { $0.output.7 == "0" })
            #expect(output.contains("p99.9"), "the summary table follows:\n\(output)")
        } catch {
            await system.shutdown(keepFiles: true)
            throw error
        }
        await system.shutdown()
    }

    @Test func openModelMeasuresFromTheSchedule() async throws {
        let system = try await SystemFixture(label: "loadtest-open")
        do {
            let report = try await loadtest(system, ["--rate", "50/s", "--executions", "60"])
            #expect(report["completed"] as? Int == 60)
            #expect((report["errors"] as? [String: Int])?.isEmpty == true)
            #expect((report["ledger"] as? [String: Any])?["passed"] as? Bool == true)
            #expect((report["target_rate"] as? NSNumber)?.doubleValue == 50)
            #expect(report["late_starts"] is NSNumber && report["dropped_starts"] is NSNumber)
            #expect(((report["timeline"] as? [Any])?.count ?? 0) >= 1)
        } catch {
            await system.shutdown(keepFiles: true)
            throw error
        }
        await system.shutdown()
    }
}
