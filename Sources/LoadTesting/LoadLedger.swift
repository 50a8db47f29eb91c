import Foundation
import Histogram
import Synchronization

/// The books of one load run: every execution it started, its terminal events, the latency histograms and the
/// per-second timeline. Thread-safe (one `Mutex`); the starters, the event consumer and the progress printer share it.
final class LoadLedger: Sendable {
    /// One execution's entry, indexed by its sequence number (its name is `<runID>-<seq>`).
    struct Entry {
        /// When it was meant to start (open model: the schedule; closed model: when its slot freed).
        var intended: Double
        var sent: Double = 0
        var started = false
        var measured = false
        var ends = 0
        var endedAt: Double = 0
        /// A refusal that arrived before the start was recorded (`--start-replies errors`).
        var refusal: String?
    }

    /// Counters and histograms; latencies in microseconds.
    struct State {
        var entries: [Int: Entry] = [:]
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var endToEnd = LoadLedger.histogram()
        var startReply = LoadLedger.histogram()
        var startToTask = LoadLedger.histogram()
        var taskToCallback = LoadLedger.histogram()
        var callbackToTerminal = LoadLedger.histogram()
        var errors: [String: Int] = [:]
        var started = 0
        var measuredStarted = 0
        var completed = 0
        var measuredCompleted = 0
        var inFlight = 0
        var late = 0
        var dropped = 0
        var duplicates = 0
        var unexpected = 0
        var firstMeasuredIntended: Double?
        var lastMeasuredIntended: Double = 0
        var lastMeasuredEnd: Double = 0
        var timeline: [Int: Second] = [:]
        var nextSequenceNumber = 0
        /// Terminal events received between `measureFrom` and `measureUntil` (steady-state completions).
        var completedInWindow = 0
    }

    /// What happened in one second of the run (by wall-clock second since `origin`).
    struct Second {
        var started = 0
        var completed = 0
        var errors = 0
        var latencies: [UInt32] = []  // end to end, microseconds, of executions that ended in this second
    }

    let runID: String
    /// Wall-clock time (epoch seconds) the run began; the timeline counts seconds from here.
    let origin: Double
    /// Executions intended to start before this are warm-up.
    let measureFrom: Double
    /// When starting stops (nil: after a number of executions).
    let measureUntil: Double?
    let state = Mutex(State())

    init(runID: String, origin: Double, warmup: Double, duration: Double?) {
        self.runID = runID
        self.origin = origin
        self.measureFrom = origin + warmup
        self.measureUntil = duration.map { origin + warmup + $0 }
    }

    static func histogram() -> Histogram<UInt64> {
        Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
    }

    static func now() -> Double { Date().timeIntervalSince1970 }

    func name(_ seq: Int) -> String { "\(runID)-\(seq)" }

    /// The sequence number of one of this run's execution names.
    func sequenceNumber(of name: Substring) -> Int? {
        guard name.hasPrefix(runID + "-") else { return nil }
        return Int(name.dropFirst(runID.count + 1))
    }

    /// The next sequence number (closed model: slots share one counter).
    func claimSequenceNumber() -> Int {
        state.withLock { state in
            defer { state.nextSequenceNumber += 1 }
            return state.nextSequenceNumber
        }
    }

    /// Records that `seq` is about to be sent; returns false (and counts a drop) when `maxInFlight` is reached.
    func willStart(_ seq: Int, intended: Double, maxInFlight: Int = .max) -> Bool {
        state.withLock { state in
            if state.inFlight >= maxInFlight {
                state.dropped += 1
                state.errors["DroppedStart", default: 0] += 1
                return false
            }
            state.inFlight += 1
            state.entries[seq] = Entry(intended: intended, measured: intended >= measureFrom)
            return true
        }
    }

    /// Records when the start request of `seq` went out, before its reply: a fast execution's terminal event can
    /// arrive before the reply, and its phases are measured from this time.
    func sending(_ seq: Int, at sent: Double) {
        state.withLock { state in state.entries[seq]?.sent = sent }
    }

    /// Records the start request's outcome; `replied` is `nil` when no answer was awaited (only a refusal comes,
    /// later: `refused`).
    func started(_ seq: Int, sent: Double, replied: Double?, error: String?, lateBy threshold: Double?) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard var entry = state.entries[seq] else { return nil }
            entry.sent = sent
            if let threshold, sent - entry.intended > threshold { state.late += 1 }
            state.timeline[second(of: sent), default: Second()].started += 1
            if let error = error ?? entry.refusal {
                let replied = replied ?? Self.now()
                state.errors[error, default: 0] += 1
                state.timeline[second(of: replied), default: Second()].errors += 1
                state.entries[seq] = nil
                state.inFlight -= 1
                return state.waiters.removeValue(forKey: seq)
            }
            entry.started = true
            state.started += 1
            if entry.measured {
                state.measuredStarted += 1
                state.firstMeasuredIntended = min(state.firstMeasuredIntended ?? entry.intended, entry.intended)
                state.lastMeasuredIntended = max(state.lastMeasuredIntended, entry.intended)
                if let replied { _ = state.startReply.record(Self.micros(replied - sent)) }
            }
            state.entries[seq] = entry
            return nil
        }
        waiter?.resume()
    }

    /// Applies a refusal that came after `start` returned (`--start-replies errors`): the start counts as failed
    /// with `error`, as if its answer had said so.
    func refused(_ seq: Int, error: String, at time: Double) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard var entry = state.entries[seq], entry.ends == 0 else { return nil }
            guard entry.started else {
                entry.refusal = error  // `started` has not run yet: it takes the error path
                state.entries[seq] = entry
                return nil
            }
            state.started -= 1
            if entry.measured {
                state.measuredStarted -= 1
            }
            state.errors[error, default: 0] += 1
            state.timeline[second(of: time), default: Second()].errors += 1
            state.entries[seq] = nil
            state.inFlight -= 1
            return state.waiters.removeValue(forKey: seq)
        }
        waiter?.resume()
    }

    /// Applies a terminal event of this run's execution `seq`.
    func ended(_ seq: Int, status: String, error: String?, stamps: WorkerStamps?, at time: Double) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard var entry = state.entries[seq] else {
                state.unexpected += 1
                return nil
            }
            entry.ends += 1
            if entry.ends > 1 {
                state.duplicates += 1
                state.errors["DuplicateTerminalEvent", default: 0] += 1
                state.entries[seq] = entry
                return nil
            }
            entry.endedAt = time
            state.entries[seq] = entry
            state.inFlight -= 1
            state.completed += 1
            if time >= measureFrom, time <= measureUntil ?? .infinity { state.completedInWindow += 1 }
            let latency = Self.micros(time - entry.intended)
            var bucket = state.timeline[second(of: time), default: Second()]
            bucket.completed += 1
            if status != "SUCCEEDED" {
                state.errors["\(status)(\(error ?? "-"))", default: 0] += 1
                bucket.errors += 1
            }
            if entry.measured {
                state.measuredCompleted += 1
                state.lastMeasuredEnd = max(state.lastMeasuredEnd, time)
                _ = state.endToEnd.record(latency)
                bucket.latencies.append(UInt32(clamping: latency))
                if let stamps, entry.sent > 0 {
                    _ = state.startToTask.record(Self.micros(stamps.receivedAt - entry.sent))
                    _ = state.taskToCallback.record(Self.micros(stamps.answeredAt - stamps.receivedAt))
                    _ = state.callbackToTerminal.record(Self.micros(time - stamps.answeredAt))
                }
            }
            state.timeline[second(of: time)] = bucket
            return state.waiters.removeValue(forKey: seq)
        }
        waiter?.resume()
    }

    /// Counts a start that came later than the schedule allowed without being sent (open model bookkeeping).
    func countError(_ type: String) {
        state.withLock { $0.errors[type, default: 0] += 1 }
    }

    /// Waits until `seq` ended (or failed to start, or `abandonWaiters` was called).
    func waitForEnd(_ seq: Int) async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state -> Bool in
                guard let entry = state.entries[seq], entry.ends == 0 else { return true }
                state.waiters[seq] = continuation
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Releases every closed-model slot still waiting (at the drain deadline).
    func abandonWaiters() {
        let waiters = state.withLock { state in
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Executions started and not yet ended.
    var inFlight: Int { state.withLock { $0.inFlight } }

    /// Marks executions still running at the end as missing; returns the ledger verdict.
    func close() -> LedgerVerdict {
        state.withLock { state in
            let started = state.entries.values.filter(\.started)
            let missing = started.filter { $0.ends == 0 }.count
            if missing > 0 { state.errors["MissingTerminalEvent", default: 0] += missing }
            let once = started.filter { $0.ends == 1 }.count
            return LedgerVerdict(
                started: started.count, endedExactlyOnce: once, missing: missing, duplicates: state.duplicates,
                unexpected: state.unexpected)
        }
    }

    func second(of time: Double) -> Int { max(0, Int(time - origin)) }

    static func micros(_ seconds: Double) -> UInt64 { UInt64(max(0, seconds * 1_000_000).rounded()) }
}

/// The worker's receive and answer times, from `"batonStamps"` in the callback output.
struct WorkerStamps: Sendable {
    var receivedAt: Double
    var answeredAt: Double
}

/// Whether every started execution ended exactly once.
struct LedgerVerdict: Sendable, Encodable {
    var started: Int
    var endedExactlyOnce: Int
    var missing: Int
    var duplicates: Int
    var unexpected: Int
    var passed: Bool { started == endedExactlyOnce && missing == 0 && duplicates == 0 && unexpected == 0 }

    enum CodingKeys: String, CodingKey {
        case started, missing, duplicates, unexpected, passed
        case endedExactlyOnce = "ended_exactly_once"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(started, forKey: .started)
        try container.encode(endedExactlyOnce, forKey: .endedExactlyOnce)
        try container.encode(missing, forKey: .missing)
        try container.encode(duplicates, forKey: .duplicates)
        try container.encode(unexpected, forKey: .unexpected)
        try container.encode(passed, forKey: .passed)
    }
}
