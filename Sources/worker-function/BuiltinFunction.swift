import Foundation
import WorkerKit

/// What a function returns: a JSON output, or an error name and cause.
enum FunctionResult: Sendable, Hashable {
    case success(output: String)
    case failure(error: String, cause: String)
}

/// The functions worker-function serves by name.
enum BuiltinFunction: String, CaseIterable, Sendable {
    /// Returns its input.
    case echo
    /// Sleeps `seconds` (from the input, default 1) and returns its input.
    case sleep
    /// Fails with the input's `error` and `cause`.
    case fail
    /// The seed-1 Lambda: returns a result for the token found in the body (the caller calls back with it).
    case callback

    /// Runs the function on a task body.
    func run(body: [UInt8]) async throws -> FunctionResult {
        let value = JSONBody.value(body)
        let object = JSONBody.object(fromValue: value) ?? [:]
        // Lambda-style tasks may wrap the input in Payload or input; read fields from there too.
        let fields = (object["Payload"] as? [String: Any]) ?? (object["input"] as? [String: Any]) ?? object
        switch self {
        case .echo:
            return .success(output: value.map { JSONBody.text($0) } ?? "null")
        case .sleep:
            let seconds = JSONBody.number(fields["seconds"]) ?? JSONBody.number(object["seconds"]) ?? 1
            try await Task.sleep(for: .seconds(max(0, min(seconds, 86_400))))
            return .success(output: value.map { JSONBody.text($0) } ?? "null")
        case .fail:
            let error = fields["error"] as? String ?? object["error"] as? String ?? "FunctionFailed"
            let cause = fields["cause"] as? String ?? object["cause"] as? String ?? "the fail function was called"
            return .failure(error: String(error.prefix(256)), cause: String(cause.prefix(32_768)))
        case .callback:
            var output: [String: Any] = ["calledBack": true, "by": "worker-function"]
            output["input"] = TaskTokenLocator.removingToken(from: object)
            return .success(output: JSONBody.text(output))
        }
    }
}
