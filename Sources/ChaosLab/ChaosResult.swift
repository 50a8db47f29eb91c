import Foundation

/// The outcome of one scenario run: counts, ledger violations, the timeline, and the verdict.
struct ChaosResult: Codable, Sendable {
    var scenario: String
    var executions: Int
    var succeeded = 0
    var failedByError: [String: Int] = [:]
    var timedOut = 0
    var aborted = 0
    /// Started executions with no terminal event, or still RUNNING after the deadline.
    var lost = 0
    /// Executions that ended twice — two different terminal events, or more than one TaskSucceeded — plus tokens
    /// accepted twice.
    var duplicated = 0
    /// Identical terminal events received again (at-least-once event delivery across an orchestrator crash);
    /// not a second end of the execution.
    var repeatedEvents = 0
    var rejectedByCode: [String: Int] = [:]
    /// Executions whose terminal status or error differs from what the definition prescribes.
    var unexpected = 0
    var recoverySeconds: Double?
    var durationSeconds = 0.0
    var passed = false
    var failures: [String] = []
    var notes: [String] = []
    var timeline: [ChaosTimelineEntry] = []
    var perSecond: [ChaosSecond] = []

    /// Takes the ledger's timeline, per-second counts and duration, and gives the verdict: no failure, nothing
    /// lost, nothing duplicated.
    mutating func finish(_ ledger: ChaosLedger) {
        timeline = ledger.timeline
        perSecond = ledger.perSecond
        durationSeconds = ledger.elapsed()
        passed = failures.isEmpty && lost == 0 && duplicated == 0
    }

    mutating func add(_ check: ExecutionCheck) {
        switch check.status {
        case "SUCCEEDED": succeeded += 1
        case "FAILED": failedByError[check.error ?? "?", default: 0] += 1
        case "TIMED_OUT": timedOut += 1
        case "ABORTED": aborted += 1
        default: break
        }
        if check.events == 0 || check.status == "RUNNING" { lost += 1 }
        repeatedEvents += check.events - check.distinctEvents
        if check.distinctEvents > 1 + check.redrives || check.succeededTasks > 1 {
            duplicated += 1
            if failures.count < 20 {
                failures.append(
                    "\(check.arn.split(separator: ":").last ?? ""): \(check.distinctEvents) different "
                        + "terminal events, \(check.succeededTasks) TaskSucceeded")
            }
        }
        if let problem = check.problem {
            unexpected += 1
            if failures.count < 20 { failures.append(problem) }
        }
    }

    static let columns = [
        "scenario", "executions", "succeeded", "failed by error", "timed out", "lost", "duplicated", "repeated events",
        "rejected callbacks by code", "recovery s", "passed",
    ]

    var row: [String] {
        [
            scenario, "\(executions)", "\(succeeded)", Self.counts(failedByError),
            "\(timedOut)" + (aborted > 0 ? " (+\(aborted) aborted)" : ""), "\(lost)", "\(duplicated)",
            "\(repeatedEvents)",
            Self.counts(rejectedByCode), recoverySeconds.map { String(format: "%.1f", $0) } ?? "-",
            passed ? "yes" : "NO",
        ]
    }

    static func counts(_ counts: [String: Int]) -> String {
        counts.isEmpty ? "-" : counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }

    /// A plain-text table for the terminal.
    static func table(_ results: [ChaosResult]) -> String {
        let rows = [columns] + results.map(\.row)
        let widths = columns.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// A Markdown table.
    static func markdownTable(_ results: [ChaosResult]) -> String {
        let header = "| " + columns.joined(separator: " | ") + " |"
        let rule = "|" + columns.map { _ in "---" }.joined(separator: "|") + "|"
        let rows = results.map { "| " + $0.row.joined(separator: " | ") + " |" }
        return ([header, rule] + rows).joined(separator: "\n")
    }

    /// Executions started and terminal per second, a bar of each, the second's faults marked.
    static func perSecondSection(_ seconds: [ChaosSecond]) -> String {
        guard !seconds.isEmpty else { return "" }
        let widest = max(1, seconds.map { max($0.started, $0.terminal) }.max() ?? 1)
        func bar(_ count: Int, _ symbol: String) -> String {
            String(repeating: symbol, count: count == 0 ? 0 : max(1, count * 30 / widest))
        }
        var text = "\nPer second (started ▮, terminal ▯; faults marked):\n\n"
        text += "| s | started | terminal | | fault |\n|---:|---:|---:|---|---|\n"
        for second in seconds {
            let fault = second.faults.isEmpty ? "" : "⚡ " + second.faults.joined(separator: "; ")
            text += "| \(second.second) | \(second.started) | \(second.terminal) | "
            text += "\(bar(second.started, "▮"))\(bar(second.terminal, "▯")) | \(fault) |\n"
        }
        return text
    }

    /// The Markdown report: the table, then each scenario's timeline, failures and notes.
    static func report(_ results: [ChaosResult], command: String) -> String {
        var text = "# Baton chaos report\n\n`\(command)` on \(ISO8601DateFormatter().string(from: Date()))\n\n"
        text += markdownTable(results) + "\n"
        for result in results {
            text += "\n## \(result.scenario) — \(result.passed ? "passed" : "FAILED")\n\n"
            text += String(format: "%d executions in %.1f s.\n\n", result.executions, result.durationSeconds)
            text += "| t (s) | event |\n|---:|---|\n"
            for entry in result.timeline { text += String(format: "| %.2f | ", entry.seconds) + entry.event + " |\n" }
            text += perSecondSection(result.perSecond)
            if !result.failures.isEmpty {
                text += "\nFailures:\n" + result.failures.map { "- \($0)\n" }.joined()
            }
            if !result.notes.isEmpty { text += "\nNotes:\n" + result.notes.map { "- \($0)\n" }.joined() }
        }
        return text
    }
}
