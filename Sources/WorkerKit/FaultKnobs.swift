import BatonJSON
import Foundation

/// Behaviour knobs of a simulated worker, for load and failure study. Every rate is a probability in [0, 1],
/// drawn per task from a ``SeededRandom`` so runs are reproducible.
///
/// Knobs are set by name (``set(_:to:)``) from flags, `BATON_WORKER_*` variables or `--knob FUNCTION.NAME=VALUE`:
///
/// | name | value | effect |
/// |---|---|---|
/// | `latency` | ``LatencyDistribution`` text | time spent before the function runs |
/// | `failure-rate` | 0…1 | answer SendTaskFailure instead of running the function |
/// | `failure-error` | error name | the error of such failures (default `WorkerFailure`) |
/// | `never-callback-rate` | 0…1 | do the work, ack, never call back |
/// | `duplicate-rate` | 0…1 | send the final callback twice |
/// | `late-rate` | 0…1 | wait `late-delay` before calling back |
/// | `late-delay` | duration | how late a late callback is (default 5s) |
/// | `crash-rate` | 0…1 | kill -9 the process before calling back (the task is redelivered) |
/// | `heartbeat-interval` | duration | heartbeat while working (default none) |
/// | `body-token` | true/false | call back with the token found in the body even for functions that do not |
public struct FaultKnobs: Sendable, Hashable {
    /// Time spent before the function runs.
    public var latency: LatencyDistribution?
    /// Probability of answering SendTaskFailure.
    public var failureRate = 0.0
    /// The error name of injected failures.
    public var failureError = "WorkerFailure"
    /// Probability of never calling back.
    public var neverCallbackRate = 0.0
    /// Probability of a duplicate final callback.
    public var duplicateRate = 0.0
    /// Probability of a late callback.
    public var lateRate = 0.0
    /// The delay of a late callback.
    public var lateDelay: Duration = .seconds(5)
    /// Probability of crashing before calling back.
    public var crashRate = 0.0
    /// Heartbeat interval while working.
    public var heartbeatInterval: Duration?
    /// Call back with the body's token (for `.waitForTaskToken` tasks) whatever the function.
    public var bodyToken = false

    /// The knob names ``set(_:to:)`` accepts.
    public static let names = [
        "latency", "failure-rate", "failure-error", "never-callback-rate", "duplicate-rate", "late-rate",
        "late-delay", "crash-rate", "heartbeat-interval", "body-token",
    ]

    /// Knobs that change nothing.
    public init() {}

    /// Sets one knob by name.
    /// - Throws: ``KnobError`` for an unknown name or a bad value.
    public mutating func set(_ name: String, to value: String) throws(KnobError) {
        switch name.lowercased().replacingOccurrences(of: "_", with: "-") {
        case "latency": latency = try LatencyDistribution(parsing: value)
        case "failure-rate": failureRate = try Self.rate(name, value)
        case "failure-error":
            guard (1...256).contains(value.count) else { throw KnobError("failure-error must be 1–256 characters") }
            failureError = value
        case "never-callback-rate": neverCallbackRate = try Self.rate(name, value)
        case "duplicate-rate": duplicateRate = try Self.rate(name, value)
        case "late-rate": lateRate = try Self.rate(name, value)
        case "late-delay": lateDelay = try DurationText.parse(value)
        case "crash-rate": crashRate = try Self.rate(name, value)
        case "heartbeat-interval":
            let interval = try DurationText.parse(value)
            heartbeatInterval = interval > .zero ? interval : nil
        case "body-token":
            switch value.lowercased() {
            case "true", "1", "yes": bodyToken = true
            case "false", "0", "no": bodyToken = false
            default: throw KnobError("body-token must be true or false, not '\(value)'")
            }
        default:
            throw KnobError("unknown knob '\(name)'; known: \(Self.names.joined(separator: ", "))")
        }
    }

    /// What one task will do, drawn from its generator in a fixed order.
    public func decide(using random: inout SeededRandom) -> FaultDecision {
        // Every draw happens whatever the rates, so changing one rate never reshuffles the others.
        let crash = random.chance(crashRate)
        let never = random.chance(neverCallbackRate)
        let fail = random.chance(failureRate)
        let duplicate = random.chance(duplicateRate)
        let late = random.chance(lateRate)
        let latency = latency?.sample(using: &random) ?? .zero
        return FaultDecision(
            latency: latency, crash: crash, neverCallBack: never, fail: fail, duplicate: duplicate,
            lateBy: late ? lateDelay : nil)
    }

    private static func rate(_ name: String, _ value: String) throws(KnobError) -> Double {
        guard let rate = Double(value), (0...1).contains(rate) else {
            throw KnobError("\(name) must be a number between 0 and 1, not '\(value)'")
        }
        return rate
    }
}

/// What the knobs decided for one task.
public struct FaultDecision: Sendable, Hashable {
    /// Time to spend before the function runs.
    public var latency: Duration
    /// Kill the process before calling back.
    public var crash: Bool
    /// Do the work but never call back.
    public var neverCallBack: Bool
    /// Answer with an injected failure.
    public var fail: Bool
    /// Send the final callback twice.
    public var duplicate: Bool
    /// Wait this long before calling back.
    public var lateBy: Duration?

    /// Creates a decision.
    public init(
        latency: Duration = .zero, crash: Bool = false, neverCallBack: Bool = false, fail: Bool = false,
        duplicate: Bool = false, lateBy: Duration? = nil
    ) {
        self.latency = latency
        self.crash = crash
        self.neverCallBack = neverCallBack
        self.fail = fail
        self.duplicate = duplicate
        self.lateBy = lateBy
    }
}

/// Knobs for every function plus per-function overrides.
public struct KnobSet: Sendable, Hashable {
    /// The knobs of functions without overrides (and the base of those with).
    public var global = FaultKnobs()
    // Per-function settings, applied over `global` in the order given (validated when added).
    private var storedOverrides: [String: [Pair]] = [:]
    private struct Pair: Sendable, Hashable {
        var name: String
        var value: String
    }

    /// No knobs.
    public init() {}

    /// Adds a per-function setting, checking it at once.
    /// - Throws: ``KnobError`` for an unknown name or a bad value.
    public mutating func set(function: String, _ name: String, to value: String) throws(KnobError) {
        var probe = FaultKnobs()
        try probe.set(name, to: value)
        storedOverrides[function, default: []].append(Pair(name: name, value: value))
    }

    /// Parses `FUNCTION.NAME=VALUE` (a `--knob` flag).
    /// - Throws: ``KnobError`` when the text has another shape or the knob is invalid.
    public mutating func set(knob text: String) throws(KnobError) {
        guard let dot = text.firstIndex(of: "."), let equals = text.firstIndex(of: "="), dot < equals else {
            throw KnobError("--knob takes FUNCTION.NAME=VALUE, e.g. echo.failure-rate=0.5; not '\(text)'")
        }
        try set(
            function: String(text[..<dot]), String(text[text.index(after: dot)..<equals]),
            to: String(text[text.index(after: equals)...]))
    }

    /// The knobs of one function.
    public func knobs(for function: String) -> FaultKnobs {
        var knobs = global
        for pair in storedOverrides[function] ?? [] { try? knobs.set(pair.name, to: pair.value) }
        return knobs
    }
}
