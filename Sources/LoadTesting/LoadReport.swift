import Foundation
import Histogram
import Synchronization

/// The figures of one run, computed from its ledger: what the summary table, the JSON and the HTML show.
struct LoadReport {
    /// Percentiles of one histogram, in milliseconds.
    struct Percentiles {
        var count: UInt64
        var p50, p90, p99, p999, max: Double

        init(_ histogram: Histogram<UInt64>) {
            count = histogram.totalCount
            func ms(_ value: UInt64) -> Double { (Double(value) / 1000 * 1000).rounded() / 1000 }
            p50 = ms(histogram.valueAtPercentile(50))
            p90 = ms(histogram.valueAtPercentile(90))
            p99 = ms(histogram.valueAtPercentile(99))
            p999 = ms(histogram.valueAtPercentile(99.9))
            max = ms(histogram.max)
        }

        var json: [String: Any] { ["count": count, "p50": p50, "p90": p90, "p99": p99, "p999": p999, "max": max] }
    }

    /// One second of the timeline.
    struct Point {
        var second: Int
        var started, completed, errors: Int
        var p50, p99: Double?
    }

    var rate: Double?
    var started: Int
    var completed: Int
    var measuredStarted: Int
    var measuredCompleted: Int
    var offeredPerSecond: Double
    var completedPerSecond: Double
    var late: Int
    var dropped: Int
    var errors: [String: Int]
    var endToEnd: Percentiles
    var phases: [(name: String, percentiles: Percentiles)]
    var verdict: LedgerVerdict
    var timeline: [Point]

    init(ledger: LoadLedger, verdict: LedgerVerdict, rate: Double?, startsEnded: Double) {
        let state = ledger.state.withLock { $0 }
        self.rate = rate
        started = state.started
        completed = state.completed
        measuredStarted = state.measuredStarted
        measuredCompleted = state.measuredCompleted
        late = state.late
        dropped = state.dropped
        errors = state.errors
        self.verdict = verdict
        let from = state.firstMeasuredIntended ?? ledger.measureFrom
        // Offered: measured starts over the span they were due in (open model: first to last due time plus one
        // interval). Achieved, counting completed executions, not started ones: with --duration, terminal events
        // received inside the measured window over its length (steady state, no drain tail); otherwise measured
        // completions from the first measured start to the last measured completion.
        let offeredSpan = rate.map { state.lastMeasuredIntended - from + 1 / $0 } ?? (startsEnded - from)
        offeredPerSecond = Double(state.measuredStarted) / max(offeredSpan, 1e-3)
        if let until = ledger.measureUntil {
            completedPerSecond = Double(state.completedInWindow) / max(until - ledger.measureFrom, 1e-3)
        } else {
            let completedSpan = max(state.lastMeasuredEnd - from, 1e-3)
            completedPerSecond = state.measuredCompleted > 0 ? Double(state.measuredCompleted) / completedSpan : 0
        }
        endToEnd = Percentiles(state.endToEnd)
        phases = [
            ("start_reply", Percentiles(state.startReply)),
            ("start_to_task", Percentiles(state.startToTask)),
            ("task_to_callback", Percentiles(state.taskToCallback)),
            ("callback_to_terminal", Percentiles(state.callbackToTerminal)),
        ]
        timeline = state.timeline.keys.sorted().map { second in
            let bucket = state.timeline[second]!
            let sorted = bucket.latencies.sorted()
            func at(_ p: Double) -> Double? {
                sorted.isEmpty ? nil : Double(sorted[min(sorted.count - 1, Int(p * Double(sorted.count)))]) / 1000
            }
            return Point(
                second: second, started: bucket.started, completed: bucket.completed, errors: bucket.errors,
                p50: at(0.5), p99: at(0.99))
        }
    }

    var errorCount: Int { errors.values.reduce(0, +) }

    /// The report's figures as JSON values (top-level keys of `--json`).
    var json: [String: Any] {
        var object: [String: Any] = [
            "started": started, "completed": completed, "measured_started": measuredStarted,
            "measured_completed": measuredCompleted, "errors": errors,
            "completed_per_second": (completedPerSecond * 10).rounded() / 10,
            "offered_per_second": (offeredPerSecond * 10).rounded() / 10,
            "late_starts": late, "dropped_starts": dropped, "latency_ms": endToEnd.json,
            "phases_ms": Dictionary(uniqueKeysWithValues: phases.map { ($0.name, $0.percentiles.json) }),
            "ledger": (try? JSONSerialization.jsonObject(with: JSONEncoder().encode(verdict))) ?? [:],
            "timeline": timeline.map { point -> [String: Any] in
                var entry: [String: Any] = [
                    "second": point.second, "started": point.started, "completed": point.completed,
                    "errors": point.errors,
                ]
                if let p50 = point.p50 { entry["p50_ms"] = p50 }
                if let p99 = point.p99 { entry["p99_ms"] = p99 }
                return entry
            },
        ]
        if let rate { object["target_rate"] = rate }
        return object
    }

    /// The summary table printed at the end.
    var summary: String {
        var lines: [String] = []
        func row(_ label: String, _ value: String) {
            lines.append(label.padding(toLength: 28, withPad: " ", startingAt: 0) + value)
        }
        if let rate { row("target rate", String(format: "%.0f/s", rate)) }
        row("started / completed", "\(started) / \(completed) (measured \(measuredStarted) / \(measuredCompleted))")
        row("offered rate", String(format: "%.1f/s", offeredPerSecond))
        row("completed rate", String(format: "%.1f/s", completedPerSecond))
        row("late / dropped starts", "\(late) / \(dropped)")
        row(
            "ledger",
            verdict.passed
                ? "passed: every started execution ended exactly once"
                : "FAILED: \(verdict.endedExactlyOnce)/\(verdict.started) ended once, \(verdict.missing) missing, "
                    + "\(verdict.duplicates) duplicates, \(verdict.unexpected) unexpected")
        row(
            "errors",
            errors.isEmpty
                ? "none"
                : errors.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                    .joined(separator: " "))
        lines.append("")
        lines.append(
            "latency (ms)".padding(toLength: 24, withPad: " ", startingAt: 0)
                + ["count", "p50", "p90", "p99", "p99.9", "max"].map { $0.leftPadded(9) }.joined())
        for (name, p) in [("end to end", endToEnd)]
            + phases.map({ ($0.name.replacingOccurrences(of: "_", with: " "), $0.percentiles) })
        {
            let cells = ["\(p.count)"] + [p.p50, p.p90, p.p99, p.p999, p.max].map { String(format: "%.2f", $0) }
            lines.append(
                name.padding(toLength: 24, withPad: " ", startingAt: 0) + cells.map { $0.leftPadded(9) }.joined())
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? " " + self : String(repeating: " ", count: width - count) + self
    }
}

/// Facts about the machine and software, for the report.
enum MachineFacts {
    static func collect() -> [String: Any] {
        var facts: [String: Any] = [
            "hostname": ProcessInfo.processInfo.hostName,
            "cores": ProcessInfo.processInfo.activeProcessorCount,
            "memory_bytes": ProcessInfo.processInfo.physicalMemory,
            "os": ProcessInfo.processInfo.operatingSystemVersionString,
        ]
        if let cpu = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let line = cpu.split(separator: "\n").first(where: { $0.hasPrefix("model name") })
        {
            facts["cpu"] = line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) }
        }
        if let load = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) {
            facts["loadavg"] = load.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return facts
    }
}
