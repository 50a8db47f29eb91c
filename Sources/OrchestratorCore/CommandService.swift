import BatonProtocol
import Logging
import ServiceLifecycle
import StatesLanguage

/// Consumes the command queue: each message `{"action": "<AWS action>", "request": {…}}` with `reply_to` is
/// served by `StepFunctionsOperations` and answered with the AWS response shape or the AWS error body — the
/// broker's door into the same operations the HTTP API serves. A `traceparent` message header is the request's
/// trace context (a StartExecution without `traceHeader` carries it into its tasks).
///
/// With several shards it consumes the entry queue (shared by every shard) and its own shard's queue; a command
/// about another shard's execution is republished to that shard's queue with its `reply_to`, so the owner answers
/// the asker directly; shard-wide commands (state machine changes, ListExecutions) are served through the routed
/// operations, which ask the other shards.
public final class CommandService: Service {
    private let operations: StepFunctionsOperations
    private let bus: any MessageBus
    private let queues: [String]
    private let logger: Logger

    /// The largest command body accepted (a definition of 1 MiB plus its JSON escaping).
    public static let maximumBodyBytes = 4 * 1_048_576

    /// Creates the service.
    public init(operations: StepFunctionsOperations, bus: any MessageBus, logger: Logger) {
        self.operations = operations
        self.bus = bus
        let names = operations.engine.names
        if let router = operations.router {
            self.queues = [names.commandQueue, names.commandQueue(shard: router.shard)]
        } else {
            self.queues = [names.commandQueue]
        }
        self.logger = logger
    }

    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for queue in queues {
                group.addTask {
                    try await DeliveryPump(bus: self.bus, queue: queue, prefetch: 64) { delivery in
                        await self.handle(delivery)
                    }.run()
                }
            }
            try await group.waitForAll()
        }
    }

    func handle(_ delivery: BusDelivery) async {
        let response: JSON
        do {
            let (action, request) = try Self.decode(delivery.message.body)
            let scope: StepFunctionsOperations.Scope =
                delivery.message.headers[ShardRouter.scopeHeader] == nil ? .routed : .local
            if scope == .routed, let router = operations.router, case .object(let body) = request,
                case .shard(let owner) = router.route(action: action, request: body)
            {
                await forward(delivery, to: router.names.commandQueue(shard: owner), router: router)
                return
            }
            response = try await operations.handle(
                action: action, request: request, traceparent: delivery.message.headers[TaskHeaders.traceparent],
                scope: scope)
        } catch {
            if error.code == .internalFailure || error.code == .serviceUnavailable {
                logger.error("command failed; requeued", metadata: ["error": "\(error)"])
                try? await delivery.settle(.requeue)
                return
            }
            response = ["__type": .string(error.code.name), "message": .string(error.message)]
        }
        let refused: Bool
        if case .object(let object) = response, object["__type"] != nil { refused = true } else { refused = false }
        guard let replyTo = delivery.message.replyTo, !replyTo.isEmpty,
            refused || ReplyMode(headers: delivery.message.headers) == .all
        else {
            delivery.settleWithoutWaiting(.ack)
            return
        }
        // Answer, then ack once the broker has the answer; neither waits.
        let message = BusMessage(
            body: response.serializedBytes, correlationID: delivery.message.correlationID, persistent: false)
        bus.publish(message, toQueue: replyTo) { [logger] result in
            if case .failure(let error) = result {
                logger.debug("command reply not delivered", metadata: ["error": "\(error)"])
            }
            delivery.settleWithoutWaiting(.ack)
        }
    }

    /// Hands a command to the shard that owns its execution; the owner answers the asker.
    private func forward(_ delivery: BusDelivery, to queue: String, router: ShardRouter) async {
        do {
            try await router.republish(delivery, toQueue: queue)
            try? await delivery.settle(.ack)
        } catch {
            logger.warning("command not forwarded; requeued", metadata: ["queue": "\(queue)", "error": "\(error)"])
            try? await delivery.settle(.requeue)
        }
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
