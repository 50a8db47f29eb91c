import BatonJSON
import Foundation
import Synchronization

/// What one chaos run observed: the executions it started, every terminal event the orchestrator published for
/// them, the verdicts of the callbacks the scenario sent itself, and a timeline of faults and recoveries.
final class ChaosLedger: Sendable {
    /// A terminal execution event, as published on `<prefix>.events`.
    struct TerminalEvent: Sendable, Hashable {
        var status: String
        var error: String?
        var stopDate: Double?
    }

    private struct State {
        var started: [String] = []
        var startedSet: Set<String> = []
        var events: [String: [TerminalEvent]] = [:]
        var foreignEvents = 0
        var rejected: [String: Int] = [:]
        var acceptedPerToken: [String: Int] = [:]
        var unexpectedVerdicts: [String] = []
        var timeline: [ChaosTimelineEntry] = []
        /// Per whole second of the run: executions started and terminal events received.
        var startedPerSecond: [Int: Int] = [:]
        var endedPerSecond: [Int: Int] = [:]
    }

    private let state = Mutex(State())
    let origin = ContinuousClock.now

    /// Seconds since the run began.
    func elapsed() -> Double {
        let duration = ContinuousClock.now - origin
        return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    func started(_ arn: String) {
        let second = Int(elapsed())
        state.withLock { state in
            if state.startedSet.insert(arn).inserted {
                state.started.append(arn)
                state.startedPerSecond[second, default: 0] += 1
            }
        }
    }

    var startedExecutions: [String] { state.withLock { $0.started } }

    func terminal(_ arn: String, _ event: TerminalEvent) {
        let second = Int(elapsed())
        state.withLock { state in
            state.events[arn, default: []].append(event)
            state.endedPerSecond[second, default: 0] += 1
        }
    }

    /// Executions started and terminal events received in each second of the run, with the timeline's lines of
    /// that second (faults among them), from the first second to the last with anything in it.
    var perSecond: [ChaosSecond] {
        state.withLock { state in
            let marks = Dictionary(grouping: state.timeline) { Int($0.seconds) }
            let last = (Array(state.startedPerSecond.keys) + Array(state.endedPerSecond.keys) + Array(marks.keys)).max()
            guard let last else { return [] }
            return (0...last).map { second in
                ChaosSecond(
                    second: second, started: state.startedPerSecond[second] ?? 0,
                    terminal: state.endedPerSecond[second] ?? 0,
                    faults: (marks[second] ?? []).map(\.event).filter { $0.contains("FAULT") })
            }
        }
    }

    func events(of arn: String) -> [TerminalEvent] { state.withLock { $0.events[arn] ?? [] } }

    /// How many started executions have at least one terminal event.
    var endedCount: Int { state.withLock { state in state.started.count { state.events[$0] != nil } } }

    /// Records the verdict of a callback the scenario sent: `nil` error type means accepted.
    /// - Parameter expected: the error type the scenario expects (`nil`: accepted), or `.any` for a race.
    func verdict(token: String, errorType: String?, expected: ExpectedVerdict) {
        state.withLock { state in
            if let errorType {
                state.rejected[errorType, default: 0] += 1
            } else {
                state.acceptedPerToken[token, default: 0] += 1
            }
            let matches: Bool
            switch expected {
            case .accepted: matches = errorType == nil
            case .rejected(let code): matches = errorType == code
            case .acceptedOr(let code): matches = errorType == nil || errorType == code
            }
            if !matches && state.unexpectedVerdicts.count < 20 {
                state.unexpectedVerdicts.append(
                    "expected \(expected), got \(errorType ?? "accepted") (token …\(token.suffix(8)))")
            }
        }
    }

    var rejectedByCode: [String: Int] { state.withLock { $0.rejected } }
    var tokensAcceptedTwice: Int { state.withLock { $0.acceptedPerToken.values.count { $0 > 1 } } }
    var unexpectedVerdicts: [String] { state.withLock { $0.unexpectedVerdicts } }

    /// Adds a line to the timeline at the current time.
    func mark(_ what: String) {
        let entry = ChaosTimelineEntry(seconds: elapsed(), event: what)
        state.withLock { $0.timeline.append(entry) }
    }

    var timeline: [ChaosTimelineEntry] { state.withLock { $0.timeline } }

    /// Handles one terminal event from the events queue (``ExecutionEvents``).
    func handleEvent(_ event: JSONObject) {
        guard let arn = event["executionArn"]?.stringValue else { return }
        terminal(
            arn,
            TerminalEvent(
                status: event["status"]?.stringValue ?? "?", error: event["error"]?.stringValue,
                stopDate: event["stopDate"]?.doubleValue))
    }
}

/// The verdict a scenario expects for a callback it sends.
enum ExpectedVerdict: Sendable, CustomStringConvertible {
    case accepted
    case rejected(String)
    /// A race (e.g. two copies of one callback): either outcome is right; the ledger checks one acceptance.
    case acceptedOr(String)

    var description: String {
        switch self {
        case .accepted: "accepted"
        case .rejected(let code): code
        case .acceptedOr(let code): "accepted or \(code)"
        }
    }
}

/// One second of a run: what started and ended in it, and the faults injected in it.
struct ChaosSecond: Codable, Sendable, Hashable {
    var second: Int
    var started: Int
    var terminal: Int
    var faults: [String]
}

/// One line of a run's timeline.
struct ChaosTimelineEntry: Codable, Sendable {
    var seconds: Double
    var event: String
}

/// A value shared by the tasks of a scenario step, behind a lock.
final class Locked<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ value: Value) { self.value = Mutex(value) }
    func withLock<T: Sendable>(_ body: (inout sending Value) -> sending T) -> T { value.withLock(body) }
    var current: Value { value.withLock { $0 } }
}
