import BatonJSON
import BatonProtocol
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

    /// The function's answer when it needs no waiting (every function but `sleep`), from the parsed body.
    func answer(value: JSON?, object: JSONObject) -> FunctionResult? {
        let fields = object["Payload"]?.objectValue ?? object["input"]?.objectValue ?? object
        switch self {
        case .echo:
            return .success(output: value.map(TaskBody.text) ?? "null")
        case .sleep:
            return nil
        case .fail:
            let error = fields["error"]?.stringValue ?? object["error"]?.stringValue ?? "FunctionFailed"
            let cause =
                fields["cause"]?.stringValue ?? object["cause"]?.stringValue ?? "the fail function was called"
            return .failure(error: String(error.prefix(256)), cause: String(cause.prefix(32_768)))
        case .callback:
            let output: JSON = [
                "by": "worker-function", "calledBack": true,
                "input": .object(TaskTokenLocator.removingToken(from: object)),
            ]
            return .success(output: TaskBody.text(output))
        }
    }

    /// Runs the function on a task body.
    func run(body: [UInt8]) async throws -> FunctionResult {
        let value = TaskBody.value(body)
        let object = TaskBody.object(value) ?? JSONObject()
        if let answer = answer(value: value, object: object) { return answer }
        // Lambda-style tasks may wrap the input in Payload or input; read fields from there too.
        let fields = object["Payload"]?.objectValue ?? object["input"]?.objectValue ?? object
        let seconds = TaskBody.number(fields["seconds"]) ?? TaskBody.number(object["seconds"]) ?? 1
        try await Task.sleep(for: .seconds(max(0, min(seconds, 86_400))))
        return .success(output: value.map(TaskBody.text) ?? "null")
    }
}

extension BuiltinFunction {
    /// Runs the function on an activity task's input (JSON text): echo answers it, sleep waits its `seconds`
    /// (default 1) and answers it, fail fails with its `error` and `cause`, callback answers it like echo.
    func run(activityInput input: String) async -> Callback.Outcome {
        let value = try? JSON(parsing: input)
        let object = value?.objectValue ?? JSONObject()
        if self == .sleep {
            let seconds = object["seconds"]?.doubleValue ?? 1
            try? await Task.sleep(for: .milliseconds(Int(max(0, seconds) * 1000)))
            return .success(output: input)
        }
        switch answer(value: value, object: object) {
        case .success(let output)?: return .success(output: output)
        case .failure(let error, let cause)?: return .failure(error: error, cause: cause)
        case nil: return .success(output: input)
        }
    }
}
