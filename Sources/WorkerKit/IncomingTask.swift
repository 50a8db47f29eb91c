import BatonJSON
import BatonProtocol
import Foundation
import Synchronization

/// One task message taken from a queue, as a handler sees it: the body, the task headers of docs/protocol.md and
/// a settle-once wrapper around the broker delivery.
///
/// The runtime settles a task the handler left unsettled (ack when the handler returned, requeue or dead-letter
/// when it threw), so a handler settles only when it needs to do so early — legacy-system acks on hand-off,
/// worker-function after its callback publish is confirmed.
public final class IncomingTask: Sendable {
    /// The broker delivery.
    public let delivery: BusDelivery
    // Whether `settle` has run; the Mutex makes the check-and-set atomic across the handler and the runtime.
    private let settled = Mutex(false)

    /// Wraps a delivery.
    public init(_ delivery: BusDelivery) {
        self.delivery = delivery
    }

    /// The message body (JSON for every task Baton sends).
    public var body: [UInt8] { delivery.message.body }
    /// The queue the task came from.
    public var queue: String { delivery.queue }
    /// A header value.
    public func header(_ name: String) -> String? { delivery.message.headers[name] }
    /// `x-baton-task-token`: present for request-response `lambda` and `job.sync` tasks.
    public var headerToken: String? { header(TaskHeaders.taskToken).flatMap { $0.isEmpty ? nil : $0 } }
    /// `x-baton-integration`, e.g. `lambda`, `sqs.waitForTaskToken`, `job.sync`.
    public var integration: String? { header(TaskHeaders.integration) }
    /// `x-baton-state-name`: the Task state's name.
    public var stateName: String? { header(TaskHeaders.stateName) }
    /// `x-baton-attempt`: the attempt number, 0 first; `nil` when absent or not a number.
    public var attempt: Int? { header(TaskHeaders.attempt).flatMap { Int($0) } }
    /// `x-baton-execution-arn`.
    public var executionArn: String? { header(TaskHeaders.executionArn) }
    /// `x-baton-heartbeat-seconds`: the task's HeartbeatSeconds, when it has one.
    public var heartbeatSeconds: Double? { header(TaskHeaders.heartbeatSeconds).flatMap { Double($0) } }
    /// The token the definition put in the body (`.waitForTaskToken` tasks), found by ``TaskTokenLocator``.
    public var bodyToken: String? { TaskTokenLocator.token(in: body) }
    /// The token to answer with: the header's, else the body's.
    public var token: String? { headerToken ?? bodyToken }
    /// A short, loggable identity of the task: its message id or its execution and state.
    public var logID: String {
        delivery.message.messageID ?? "\(executionArn.map { String($0.suffix(12)) } ?? "-")/\(stateName ?? "-")"
    }

    /// Whether the task has been settled.
    public var isSettled: Bool { settled.withLock { $0 } }

    /// Acks tasks together without waiting — one command to the broker for all of them — each unless it was settled
    /// already.
    /// - Throws: when their connection is gone (the broker redelivers them).
    public static func ack(_ tasks: [IncomingTask], on bus: any MessageBus) throws {
        let claimed = tasks.filter { $0.claim() }.map(\.delivery)
        if !claimed.isEmpty { try bus.ack(claimed) }
    }

    /// Requeues a task without waiting, unless it was settled already.
    public func requeueWithoutWaiting() {
        if claim() { delivery.settleWithoutWaiting(.requeue) }
    }

    /// Marks the task settled; `true` when it was not before (the caller settles it).
    private func claim() -> Bool {
        settled.withLock { done in
            defer { done = true }
            return !done
        }
    }

    /// Settles the delivery once; later calls do nothing.
    /// - Returns: whether this call settled it.
    /// - Throws: when the connection the delivery came on is gone (the broker redelivers it).
    @discardableResult
    public func settle(_ settlement: Settlement) async throws -> Bool {
        let first = settled.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return false }
        try await delivery.settle(settlement)
        return true
    }
}

/// Finds a task token in a task body, where a state machine's `Parameters` put `$$.Task.Token`.
public enum TaskTokenLocator {
    /// The field names looked at, in order: AWS examples use all three.
    public static let fieldNames = ["TaskToken", "taskToken", "token"]
    /// The nested objects looked into after the top level: a Lambda `Payload` or an `input` object.
    public static let containers = ["Payload", "input"]

    /// The token at the top level of the body's JSON object or under `Payload`/`input`; a body that is a JSON
    /// string holding JSON (an SQS `MessageBody` sent as a string) is unwrapped first.
    public static func token(in body: [UInt8]) -> String? {
        guard let object = TaskBody.object(TaskBody.value(body)) else { return nil }
        return token(in: object)
    }

    /// The token in a parsed JSON object (see ``token(in:)-(Array<UInt8>)``).
    public static func token(in object: JSONObject) -> String? {
        if let found = direct(object) { return found }
        for container in containers {
            if case .object(let inner)? = object[container], let found = direct(inner) { return found }
        }
        return nil
    }

    /// The object without its token fields (top level and containers): what a worker echoes back as output.
    public static func removingToken(from object: JSONObject) -> JSONObject {
        var copy = object
        for name in fieldNames { copy[name] = nil }
        for container in containers {
            guard case .object(var inner)? = copy[container] else { continue }
            for name in fieldNames { inner[name] = nil }
            copy[container] = .object(inner)
        }
        return copy
    }

    private static func direct(_ object: JSONObject) -> String? {
        for name in fieldNames {
            if let value = object[name]?.stringValue, !value.isEmpty { return value }
        }
        return nil
    }

    /// The token in a decoded JSON object (see ``token(in:)-(Array<UInt8>)``).
    public static func token(in object: [String: Any]) -> String? {
        if let found = direct(object) { return found }
        for container in containers {
            if let inner = object[container] as? [String: Any], let found = direct(inner) { return found }
        }
        return nil
    }

    /// The object without its token fields (top level and containers): what a worker echoes back as output.
    public static func removingToken(from object: [String: Any]) -> [String: Any] {
        var copy = object
        for name in fieldNames { copy[name] = nil }
        for container in containers {
            guard var inner = copy[container] as? [String: Any] else { continue }
            for name in fieldNames { inner[name] = nil }
            copy[container] = inner
        }
        return copy
    }

    private static func direct(_ object: [String: Any]) -> String? {
        for name in fieldNames {
            if let value = object[name] as? String, !value.isEmpty { return value }
        }
        return nil
    }
}

/// Task bodies read with the project's own JSON (``BatonJSON``): the worker's hot path.
public enum TaskBody {
    /// The body as a JSON value (any value, not only objects), or `nil` when it is not JSON.
    public static func value(_ body: [UInt8]) -> JSON? { try? JSON(parsing: body) }

    /// A parsed body as a JSON object; a JSON string that holds a JSON object is unwrapped.
    public static func object(_ value: JSON?) -> JSONObject? {
        switch value {
        case .object(let object)?: object
        case .string(let text)?: if case .object(let object)? = try? JSON(parsing: text) { object } else { nil }
        default: nil
        }
    }

    /// Compact JSON text with object members sorted by key, as ``JSONBody/text(_:)`` writes it.
    public static func text(_ value: JSON) -> String { value.sortingKeys().serialized }

    /// A field read as a number, whether the JSON has it as a number or a numeric string.
    public static func number(_ value: JSON?) -> Double? {
        value?.doubleValue ?? value?.stringValue.flatMap { Double($0) }
    }
}

/// Small JSON helpers over Foundation's `JSONSerialization`, for task bodies and outputs.
public enum JSONBody {
    /// The body as a JSON value (fragments allowed), or `nil` when it is not JSON.
    public static func value(_ body: [UInt8]) -> Any? {
        try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])
    }

    /// The body as a JSON object; a JSON string that holds a JSON object is unwrapped.
    public static func object(_ body: [UInt8]) -> [String: Any]? {
        object(fromValue: value(body))
    }

    /// A parsed body (``value(_:)``) as a JSON object, as ``object(_:)`` reads it, without parsing it again.
    public static func object(fromValue value: Any?) -> [String: Any]? {
        switch value {
        case let object as [String: Any]: object
        case let text as String: Self.value(Array(text.utf8)) as? [String: Any]
        default: nil
        }
    }

    /// Compact JSON text for a JSON value (sorted keys); `"null"` if it cannot be encoded.
    public static func text(_ value: Any) -> String {
        guard
            let data = try? JSONSerialization.data(
                withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys, .withoutEscapingSlashes])
        else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }

    /// A field read as a number, whether the JSON has it as a number or a numeric string.
    public static func number(_ value: Any?) -> Double? {
        switch value {
        case let number as NSNumber: number.doubleValue
        case let text as String: Double(text)
        default: nil
        }
    }
}
