import BatonJSON
import Foundation

/// An execution's history (GetExecutionHistory's events) as a Gantt: each state visit from its entry to its exit,
/// each task attempt under it (a Retry is one more attempt, a failed or timed-out one marked), and per state name
/// the outcome the graph colours it with. Events of one scope (the execution, a branch, an iteration) chain by
/// `previousEventId`, which is how a task event finds its state and attempt even when branches interleave.
package struct ExecutionTimeline: Sendable {
    /// One bar of the Gantt.
    package struct Span: Sendable, Hashable {
        /// The state's name, or `attempt N` of a task.
        package var label: String
        /// Whether the bar is a task attempt (under its state) rather than a state visit.
        package var isAttempt: Bool
        /// When it began, seconds since 1970.
        package var start: Double
        /// When it ended; `nil` while it runs.
        package var end: Double?
        /// `running`, `succeeded`, `failed`, `timed-out`, `aborted`, or `waiting` for an open task attempt.
        package var outcome: String
    }

    /// The bars, state visits in entry order with each one's attempts after it.
    package private(set) var spans: [Span] = []
    /// The first and last instants of the history (the last is `now` while the execution runs).
    package private(set) var range: (start: Double, end: Double) = (0, 0)
    /// When the open task attempts last sent a heartbeat (seconds since 1970): the history records none, so the
    /// console derives the latest from the armed heartbeat deadline; drawn as a tick on the open attempt's bar.
    package var heartbeats: [Double] = []
    /// Per state name, the outcome of its latest visit (`waiting` when that visit has an open task attempt).
    package private(set) var outcomes: [String: String] = [:]

    /// Builds the timeline of `events` (oldest first); open bars end at `now`.
    package init(events: [JSON], now: Double) {
        var owner: [Int64: (state: Int?, attempt: Int?)] = [:]
        var order: [Int] = []  // spans in display order (attempts follow their state)
        var attemptsOf: [Int: [Int]] = [:]
        var first: Double?
        var last = now
        var finished = false
        for event in events {
            guard let id = event["id"]?.doubleValue.map(Int64.init), let type = event["type"]?.stringValue else {
                continue
            }
            let time = event["timestamp"]?.doubleValue ?? now
            first = first ?? time
            let previous = event["previousEventId"]?.doubleValue.map(Int64.init) ?? 0
            let inherited = owner[previous] ?? (nil, nil)
            let name = event[Self.detailsKey(type)]?["name"]?.stringValue
            switch type {
            case _ where type.hasSuffix("StateEntered"):
                spans.append(Span(label: name ?? type, isAttempt: false, start: time, end: nil, outcome: "running"))
                let index = spans.count - 1
                order.append(index)
                owner[id] = (index, nil)
                if type == "FailStateEntered" { close(index, at: time, "failed") }
            case _ where type.hasSuffix("StateExited"), _ where type.hasSuffix("StateAborted"):
                let index = inherited.state ?? openState(named: name)
                if let index {
                    let failedAttempt = attemptsOf[index]?.last.map { spans[$0].outcome != "succeeded" } ?? false
                    let outcome = type.hasSuffix("Aborted") ? "aborted" : failedAttempt ? "failed" : "succeeded"
                    close(index, at: time, outcome)
                }
                owner[id] = (index, nil)
            case "TaskScheduled":
                let state = inherited.state ?? spans.indices.last { !spans[$0].isAttempt && spans[$0].end == nil }
                let number = (state.flatMap { attemptsOf[$0]?.count } ?? 0) + 1
                spans.append(
                    Span(label: "attempt \(number)", isAttempt: true, start: time, end: nil, outcome: "waiting"))
                let attempt = spans.count - 1
                if let state { attemptsOf[state, default: []].append(attempt) } else { order.append(attempt) }
                owner[id] = (state, attempt)
            case "TaskSucceeded", "TaskFailed", "TaskTimedOut":
                if let attempt = inherited.attempt {
                    close(
                        attempt, at: time,
                        type == "TaskSucceeded" ? "succeeded" : type == "TaskFailed" ? "failed" : "timed-out")
                }
                owner[id] = inherited
            case "ParallelStateFailed", "MapStateFailed":
                if let state = inherited.state { spans[state].outcome = "failed" }
                owner[id] = inherited
            case "ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted":
                finished = true
                last = time
                let outcome =
                    type == "ExecutionSucceeded" ? "succeeded" : type == "ExecutionAborted" ? "aborted" : "failed"
                for index in spans.indices where spans[index].end == nil { close(index, at: time, outcome) }
            default:
                owner[id] = inherited
            }
        }
        if !finished, let latest = spans.map({ $0.end ?? $0.start }).max() { last = max(now, latest) }
        range = (first ?? now, max(last, first ?? now))
        var display: [Span] = []
        for index in order {
            display.append(spans[index])
            for attempt in attemptsOf[index] ?? [] { display.append(spans[attempt]) }
        }
        for (index, span) in spans.enumerated() where !span.isAttempt {
            let open = (attemptsOf[index] ?? []).contains { spans[$0].end == nil }
            outcomes[span.label] = open ? "waiting" : span.outcome
        }
        spans = display
    }

    private mutating func close(_ index: Int, at time: Double, _ outcome: String) {
        guard spans[index].end == nil else { return }
        spans[index].end = time
        if spans[index].outcome != "failed" || outcome == "aborted" { spans[index].outcome = outcome }
    }

    private func openState(named name: String?) -> Int? {
        spans.indices.last { !spans[$0].isAttempt && spans[$0].end == nil && spans[$0].label == name }
    }

    /// The member holding an event type's details (as `HistoryEventType.detailsKey` names it).
    static func detailsKey(_ type: String) -> String {
        if type.hasSuffix("StateEntered") { return "stateEnteredEventDetails" }
        if type.hasSuffix("StateExited") { return "stateExitedEventDetails" }
        return ""
    }

    /// The Gantt as HTML: one row per bar, positioned as a share of the history's duration.
    package var html: String {
        let total = max(range.end - range.start, 0.001)
        var text =
            "<div class=\"gantt\" id=\"timeline\" role=\"list\" aria-label=\"Timeline of states and task attempts\">"
        for span in spans {
            let left = (span.start - range.start) / total * 100
            let width = max(((span.end ?? range.end) - span.start) / total * 100, 0.3)
            let seconds = String(format: "%.3f s", (span.end ?? range.end) - span.start)
            let classes = [
                "bar", span.isAttempt ? "task" : "", span.outcome == "waiting" ? "open" : "",
                ["failed", "timed-out"].contains(span.outcome) ? "failed" : "",
            ].filter { !$0.isEmpty }
            let label = span.isAttempt ? "\u{2003}\(span.label)" : span.label
            var ticks = ""
            if span.outcome == "waiting" {
                for beat in heartbeats where beat >= span.start && beat <= range.end {
                    let at = String(format: "%.2f", min((beat - range.start) / total * 100, 99.7))
                    ticks += "<span class=\"tick\" style=\"left:\(at)%\" title=\"heartbeat\"></span>"
                }
            }
            text += """
                <div class="row" role="listitem"><span class="name">\(HTML.escape(label))</span>\
                <span class="track"><span class="\(classes.joined(separator: " "))" \
                style="left:\(String(format: "%.2f", min(left, 99.7)))%;width:\(String(format: "%.2f", min(width, 100 - min(left, 99.7))))%" \
                title="\(HTML.escape("\(span.label): \(span.outcome), \(seconds)"))"></span>\(ticks)</span>\
                <span class="skip">\(HTML.escape("\(span.outcome), \(seconds)"))</span></div>
                """
        }
        return text + "</div>"
    }
}
