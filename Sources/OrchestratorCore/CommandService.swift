import BatonJSON
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
                    try await DeliveryPump(bus: self.bus, queue: queue, prefetch: 256) { batch, detacher in
                        await self.handle(batch, detacher)
                    }.run()
                }
            }
            try await group.waitForAll()
        }
    }

    /// Handles the commands that arrived together: the StartExecutions this shard serves are started as one batch
    /// (one commit, their first tasks published as one burst) and answered and acked together; every other command
    /// runs beside the loop, as before, so one that waits (for another shard) holds up nothing.
    func handle(_ deliveries: [BusDelivery], _ detacher: DeliveryPump.Detacher) async {
        var starts: [(delivery: BusDelivery, body: JSON, traceparent: String?, parent: ExecutionStart.ParentTask?)] =
            []
        var answers: [(delivery: BusDelivery, response: JSON)] = []
        for delivery in deliveries {
            let action: String
            let request: JSON
            do {
                (action, request) = try Self.decode(delivery.message.body)
            } catch {
                answers.append((delivery, Self.errorBody(error)))
                continue
            }
            if action == "StartExecution", servesHere(request, headers: delivery.message.headers) {
                let headers = delivery.message.headers
                starts.append((delivery, request, headers[TaskHeaders.traceparent], Self.parent(in: headers)))
            } else {
                detacher.detach { await self.handle(delivery) }
            }
        }
        if !starts.isEmpty {
            let results = await operations.startExecutions(starts.map { ($0.body, $0.traceparent, $0.parent) })
            for (start, result) in zip(starts, results) {
                switch result {
                case .success(let response): answers.append((start.delivery, response))
                case .failure(let error) where error.code == .internalFailure || error.code == .serviceUnavailable:
                    logger.error("command failed; requeued", metadata: ["error": "\(error)"])
                    try? await start.delivery.settle(.requeue)
                case .failure(let error):
                    if let parent = start.parent {
                        // A parent task asked: it fails with the refusal (before the command is acked).
                        guard await failParent(parent, error) else {
                            try? await start.delivery.settle(.requeue)
                            continue
                        }
                    }
                    answers.append((start.delivery, Self.errorBody(error)))
                }
            }
        }
        answerThenAck(answers)
    }

    /// The parent task a StartExecution command carries (published by a `states:startExecution` task).
    private static func parent(in headers: [String: String]) -> ExecutionStart.ParentTask? {
        guard let token = headers[TaskHeaders.taskToken], let pattern = headers[NestedExecution.patternHeader] else {
            return nil
        }
        return ExecutionStart.ParentTask(taskToken: token, pattern: pattern)
    }

    /// Reports a refused child start to the parent task that asked for it; `false` when the broker did not take the
    /// report (the command is then requeued).
    private func failParent(_ parent: ExecutionStart.ParentTask, _ error: APIError) async -> Bool {
        let report = NestedExecution.startFailure(parentToken: parent.taskToken, error)
        do {
            try await bus.publish(
                BusMessage(body: report.encoded(), persistent: true), toQueue: operations.engine.names.callbackQueue)
            return true
        } catch {
            logger.warning("refused child start not reported; requeued", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// Whether a StartExecution is this shard's to start without asking another (no shards, a request another
    /// shard routed here, or a named execution that maps here).
    private func servesHere(_ request: JSON, headers: [String: String]) -> Bool {
        guard let router = operations.router, headers[ShardRouter.scopeHeader] == nil else { return true }
        guard case .object(let body) = request, body["name"]?.stringValue != nil else { return false }
        if case .local = router.route(action: "StartExecution", request: body) { return true }
        return false
    }

    /// Serves one command on its own (everything but the batched starts).
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
            response = Self.errorBody(error)
        }
        answerThenAck([(delivery, response)])
    }

    private static func errorBody(_ error: APIError) -> JSON {
        ["__type": .string(error.code.name), "message": .string(error.message)]
    }

    /// Answers each command whose sender asked and acks the deliveries (``Answers``).
    private func answerThenAck(_ answers: [(delivery: BusDelivery, response: JSON)]) {
        Answers(bus: bus, logger: logger).send(
            answers.map { delivery, response in
                let refused: Bool
                if case .object(let object) = response, object["__type"] != nil {
                    refused = true
                } else {
                    refused = false
                }
                return (delivery, response.serializedBytes, refused)
            })
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
