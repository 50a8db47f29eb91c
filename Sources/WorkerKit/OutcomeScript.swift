import Foundation

/// Scripted outcomes per Task state and attempt, for tests — like Step Functions Local's mock configuration.
///
/// ```json
/// {"States": {
///    "ProcessPayment": {
///      "0":   {"Throw": {"Error": "PaymentDeclined", "Cause": "card expired"}},
///      "1-2": {"NoCallback": true},
///      "3":   {"Crash": true},
///      "*":   {"Return": {"paid": true}}
/// }}}
/// ```
/// The state is the `x-baton-state-name` header, the attempt `x-baton-attempt` (0 first); keys are an attempt,
/// an inclusive range `N-M`, or `*` for any other attempt. A scripted outcome replaces the function's result and
/// the fault knobs' decisions for that task.
public struct OutcomeScript: Sendable, Hashable {
    /// One scripted outcome.
    public enum Outcome: Sendable, Hashable {
        /// SendTaskSuccess with this JSON output.
        case succeed(output: String)
        /// SendTaskFailure with an error and a cause.
        case fail(error: String, cause: String)
        /// Do the work, ack, never call back.
        case noCallback
        /// kill -9 the process before calling back.
        case crash
    }

    private struct Rule: Sendable, Hashable {
        var attempts: ClosedRange<Int>?  // nil: "*"
        var outcome: Outcome
    }

    private var states: [String: [Rule]] = [:]

    /// Parses a script.
    /// - Throws: ``KnobError`` saying where the script is wrong.
    public init(json data: Data) throws(KnobError) {
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let states = root["States"] as? [String: Any]
        else { throw KnobError("a script is a JSON object with a \"States\" object") }
        for (state, value) in states {
            guard let attempts = value as? [String: Any] else {
                throw KnobError("script state '\(state)' must map attempts to outcomes")
            }
            var rules: [Rule] = []
            for (key, raw) in attempts {
                guard let object = raw as? [String: Any] else {
                    throw KnobError("script outcome for '\(state)' attempt '\(key)' must be an object")
                }
                rules.append(
                    Rule(attempts: try Self.range(key, state: state), outcome: try Self.outcome(object, state)))
            }
            // Specific attempts before ranges before "*".
            self.states[state] = rules.sorted { ($0.attempts?.count ?? .max) < ($1.attempts?.count ?? .max) }
        }
    }

    /// Loads a script file.
    /// - Throws: ``KnobError`` when the file cannot be read or parsed.
    public init(contentsOf url: URL) throws(KnobError) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw KnobError("cannot read script \(url.path): \(error)") }
        try self.init(json: data)
    }

    /// The outcome scripted for a state's attempt, if any.
    public func outcome(state: String?, attempt: Int?) -> Outcome? {
        guard let state, let rules = states[state] else { return nil }
        let attempt = attempt ?? 0
        return rules.first { $0.attempts?.contains(attempt) ?? true }?.outcome
    }

    private static func range(_ key: String, state: String) throws(KnobError) -> ClosedRange<Int>? {
        if key == "*" { return nil }
        let bounds = key.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        switch bounds.count {
        case 1: if let n = bounds[0], n >= 0 { return n...n }
        case 2: if let low = bounds[0], let high = bounds[1], 0 <= low, low <= high { return low...high }
        default: break
        }
        throw KnobError("script state '\(state)' has attempt key '\(key)'; use N, N-M or *")
    }

    private static func outcome(_ object: [String: Any], _ state: String) throws(KnobError) -> Outcome {
        if let value = object["Return"] {
            return .succeed(output: JSONBody.text(value))
        }
        if let thrown = object["Throw"] as? [String: Any] {
            return .fail(
                error: thrown["Error"] as? String ?? "ScriptedFailure", cause: thrown["Cause"] as? String ?? "")
        }
        if object["NoCallback"] as? Bool == true { return .noCallback }
        if object["Crash"] as? Bool == true { return .crash }
        throw KnobError("script outcome for '\(state)' needs Return, Throw, NoCallback or Crash")
    }
}
