import BatonProtocol
import Logging
import ServiceLifecycle
import StatesLanguage

/// Consumes the command queue: each message `{"action": "<AWS action>", "request": {…}}` with `reply_to` is
/// served by `StepFunctionsOperations` and answered with the AWS response shape or the AWS error body — the
/// broker's door into the same operations the HTTP API serves. A `traceparent` message header is the request's
/// trace context (a StartExecution without `traceHeader` carries it into its tasks).
public final class CommandService: Service {
    private let operations: StepFunctionsOperations
    private let bus: any MessageBus
    private let queue: String
    private let logger: Logger

    /// The largest command body accepted (a definition of 1 MiB plus its JSON escaping).
    public static let maximumBodyBytes = 4 * 1_048_576

    /// Creates the service.
    public init(operations: StepFunctionsOperations, bus: any MessageBus, logger: Logger) {
        self.operations = operations
        self.bus = bus
        self.queue = operations.engine.names.commandQueue
        self.logger = logger
    }

    public func run() async throws {
        try await DeliveryPump(bus: bus, queue: queue, prefetch: 64) { delivery in
            await self.handle(delivery)
        }.run()
    }

    func handle(_ delivery: BusDelivery) async {
        let response: JSON
        do {
            let (action, request) = try Self.decode(delivery.message.body)
            response = try await operations.handle(
                action: action, request: request, traceparent: delivery.message.headers[TaskHeaders.traceparent])
        } catch {
            if error.code == .internalFailure || error.code == .serviceUnavailable {
                logger.error("command failed; requeued", metadata: ["error": "\(error)"])
                try? await delivery.settle(.requeue)
                return
            }
            response = ["__type": .string(error.code.name), "message": .string(error.message)]
        }
        if let replyTo = delivery.message.replyTo, !replyTo.isEmpty {
            let message = BusMessage(
                body: Array(response.serialized.utf8), correlationID: delivery.message.correlationID,
                persistent: false)
            do {
                try await bus.publish(message, toQueue: replyTo)
            } catch {
                logger.debug("command reply not delivered", metadata: ["error": "\(error)"])
            }
        }
        try? await delivery.settle(.ack)
    }

    /// Decodes a command body.
    /// - Throws: `APIError` SerializationException for anything that is not `{"action": String, "request": {…}}`.
    static func decode(_ body: [UInt8]) throws(APIError) -> (String, JSON) {
        guard body.count <= maximumBodyBytes else {
            throw APIError(.serialization, "command of \(body.count) bytes exceeds \(maximumBodyBytes)")
        }
        guard let json = try? JSON(parsing: body), case .object(let object) = json else {
            throw APIError(.serialization, "a command must be a JSON object")
        }
        guard let action = object["action"]?.stringValue else {
            throw APIError(.serialization, "a command needs an 'action' string")
        }
        if let unknown = object.keys.first(where: { $0 != "action" && $0 != "request" }) {
            throw APIError(.serialization, "unknown command field '\(unknown.prefix(64))'")
        }
        return (action, object["request"] ?? .object(JSONObject()))
    }
}
