import ArgumentParser
import BatonRuntime
import Foundation
import WorkerKit

/// The fault-knob flags: each has a `BATON_WORKER_<NAME>` twin, applies to every function, and may be
/// overridden per function with `--knob FUNCTION.NAME=VALUE` (or `BATON_WORKER_KNOBS`, `;`-separated).
struct KnobOptions: ParsableArguments {
    @Option(
        help:
            "Latency: fixed:50ms, uniform:10ms..200ms, exp:mean=50ms, lognormal:median=50ms,sigma=0.5 [env: BATON_WORKER_LATENCY]"
    )
    var latency: String?
    @Option(help: "Probability (0…1) of answering SendTaskFailure [env: BATON_WORKER_FAILURE_RATE]")
    var failureRate: String?
    @Option(help: "Error name of injected failures [env: BATON_WORKER_FAILURE_ERROR] (default: WorkerFailure)")
    var failureError: String?
    @Option(help: "Probability of never calling back [env: BATON_WORKER_NEVER_CALLBACK_RATE]")
    var neverCallbackRate: String?
    @Option(help: "Probability of sending the final callback twice [env: BATON_WORKER_DUPLICATE_RATE]")
    var duplicateRate: String?
    @Option(help: "Probability of calling back late [env: BATON_WORKER_LATE_RATE]")
    var lateRate: String?
    @Option(help: "How late a late callback is [env: BATON_WORKER_LATE_DELAY] (default: 5s)")
    var lateDelay: String?
    @Option(help: "Probability of kill -9 before calling back [env: BATON_WORKER_CRASH_RATE]")
    var crashRate: String?
    @Option(help: "Heartbeat interval while working, e.g. 2s [env: BATON_WORKER_HEARTBEAT_INTERVAL] (default: none)")
    var heartbeatInterval: String?
    @Option(help: "Call back with the body's token whatever the function: true/false [env: BATON_WORKER_BODY_TOKEN]")
    var bodyToken: String?
    @Option(
        name: .customLong("knob"),
        help:
            "Per-function knob FUNCTION.NAME=VALUE, e.g. echo.failure-rate=1 (repeatable) [env: BATON_WORKER_KNOBS, ;-separated]"
    )
    var knobs: [String] = []
    @Option(help: "Seed of every random decision [env: BATON_SEED] (default: 1)")
    var seed: UInt64?
    @Option(help: "Script file of per-state, per-attempt outcomes [env: BATON_WORKER_SCRIPT]")
    var script: String?

    /// The global knobs (flags, then environment) and the per-function overrides.
    func knobSet() throws -> KnobSet {
        var set = KnobSet()
        let globals: [(String, String?)] = [
            ("latency", latency), ("failure-rate", failureRate), ("failure-error", failureError),
            ("never-callback-rate", neverCallbackRate), ("duplicate-rate", duplicateRate), ("late-rate", lateRate),
            ("late-delay", lateDelay), ("crash-rate", crashRate), ("heartbeat-interval", heartbeatInterval),
            ("body-token", bodyToken),
        ]
        for (name, flag) in globals {
            let variable = "BATON_WORKER_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
            guard let value = Setting.resolve(flag, variable) else { continue }
            do { try set.global.set(name, to: value) } catch { throw ValidationError("\(variable): \(error)") }
        }
        let perFunction =
            knobs.isEmpty
            ? (Setting.resolve(nil, "BATON_WORKER_KNOBS") ?? "").split(separator: ";").map(String.init) : knobs
        for knob in perFunction where !knob.trimmingCharacters(in: .whitespaces).isEmpty {
            do { try set.set(knob: knob.trimmingCharacters(in: .whitespaces)) } catch {
                throw ValidationError("\(error)")
            }
        }
        return set
    }

    /// The seed: `--seed`, `BATON_SEED`, else 1 (reproducible by default).
    func resolvedSeed() throws -> UInt64 {
        if let seed { return seed }
        guard let text = Setting.resolve(nil, "BATON_SEED") else { return 1 }
        guard let value = UInt64(text) else { throw ValidationError("BATON_SEED must be an unsigned integer") }
        return value
    }

    /// The script file, when one is given.
    func loadScript() throws -> OutcomeScript? {
        guard let path = Setting.resolve(script, "BATON_WORKER_SCRIPT") else { return nil }
        do { return try OutcomeScript(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ValidationError("\(error)")
        }
    }
}
