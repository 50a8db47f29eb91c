import BatonProtocol
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Sends callbacks (SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat) to the orchestrator's callback queue
/// and reads its replies on this process's exclusive reply queue.
///
/// Every callback carries `reply_to` (this process's `<prefix>.replies.<id>`) and a fresh `correlation_id`. A
/// rejection (`{"__type": …}`) is logged with its error type and counted, never retried: a refused callback
/// stays refused. A reply that does not come within ``Configuration/replyDeadline`` is logged and counted.
///
/// With ``Configuration/replyMode`` `.errors` the callbacks also carry `x-baton-reply: errors`: the orchestrator
/// answers only refusals, so an applied callback costs no reply message and nobody waits for one. Refusals still
/// arrive on the reply queue (their correlation id names the callback's action) and are logged and counted as
/// in `.all` mode; acceptances are not known, so ``Statistics/accepted`` (unless an orchestrator that ignores the
/// header answers `{}`) and ``Statistics/unanswered`` stay 0.
///
/// Run it as a `Service` (it consumes the reply queue); put it before the services that use it in the
/// `ServiceGroup`, so a graceful shutdown stops it after them.
public final class CallbackClient: Service {
    /// Which replies to ask for and how long to wait for them.
    public struct Configuration: Sendable {
        /// How long a callback waits for the orchestrator's reply before it is logged as unanswered (`.all` mode).
        public var replyDeadline: Duration = .seconds(10)
        /// `.all` (default): every callback is answered and waited for. `.errors`: only refusals are answered
        /// (`x-baton-reply: errors`) and nothing waits; refusals are counted as they arrive.
        public var replyMode: ReplyMode = .all

        /// Creates a configuration with the documented defaults.
        public init(replyDeadline: Duration = .seconds(10), replyMode: ReplyMode = .all) {
            self.replyDeadline = replyDeadline
            self.replyMode = replyMode
        }
    }

    /// Counts of what the orchestrator answered, for logs and tests.
    public struct Statistics: Sendable, Hashable {
        /// Callbacks published (confirmed by the broker).
        public var published = 0
        /// Replies `{}`: applied (`.all` mode; `.errors` mode gets no such replies).
        public var accepted = 0
        /// Rejections by `__type` (`TaskTimedOut`, `InvalidToken`, …), in both modes.
        public var rejected: [String: Int] = [:]
        /// Callbacks with no reply before the deadline (`.all` mode only).
        public var unanswered = 0
    }

    /// A published callback whose reply has not been read yet.
    public struct PendingReply: Sendable {
        /// The correlation id the reply will carry.
        public let correlationID: String
        /// The callback's action, for logs.
        public let action: String
        /// Whether a reply will be waited for: false when the callback went out with `x-baton-reply: errors`.
        public let awaitsReply: Bool
    }

    private let bus: any MessageBus
    private let names: Names
    private let configuration: Configuration
    let logger: Logger
    /// This process's exclusive reply queue.
    public let replyQueue: String
    private let replies: AsyncThrowingStream<BusDelivery, any Error>
    private let router = ReplyRouter()
    private let counters = Mutex(Statistics())
    /// Numbers the correlation ids of callbacks nobody waits for (``unawaitedID(action:)``), unique in this process
    /// with `instance`.
    private let unawaitedCount = Atomic<UInt64>(0)
    private let instance = String(UUID().uuidString.prefix(8)).lowercased()

    /// Declares the callback queue and this process's exclusive reply queue and starts consuming replies.
    /// - Parameters:
    ///   - bus: the broker.
    ///   - names: queue names.
    ///   - configuration: reply deadline.
    ///   - logger: where callbacks and replies are logged.
    /// - Throws: when the broker refuses a declaration.
    public static func start(
        bus: any MessageBus, names: Names, configuration: Configuration = .init(), logger: Logger
    ) async throws -> CallbackClient {
        try await bus.declare(QueueSpec(names.callbackQueue))
        let replyQueue = names.replyQueue(UUID().uuidString.lowercased())
        try await bus.declare(QueueSpec(replyQueue, exclusive: true))
        let replies = try await bus.consume(replyQueue, prefetch: 64)
        return CallbackClient(
            bus: bus, names: names, configuration: configuration, replyQueue: replyQueue, replies: replies,
            logger: logger)
    }

    private init(
        bus: any MessageBus, names: Names, configuration: Configuration, replyQueue: String,
        replies: AsyncThrowingStream<BusDelivery, any Error>, logger: Logger
    ) {
        self.bus = bus
        self.names = names
        self.configuration = configuration
        self.replyQueue = replyQueue
        self.replies = replies
        self.logger = logger
    }

    /// Whether callbacks go out with `x-baton-reply: errors`, nobody waiting for their replies (``publishUnawaited(_:completion:)``).
    public var repliesAreUnawaited: Bool { configuration.replyMode == .errors }

    /// What the orchestrator has answered so far.
    public var statistics: Statistics { counters.withLock { $0 } }

    /// Consumes replies until a graceful shutdown or cancellation.
    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            for try await delivery in self.replies {
                try? await delivery.settle(.ack)
                guard let id = delivery.message.correlationID else { continue }
                do {
                    let reply = try CallbackReply(decoding: delivery.message.body)
                    if self.router.deliver(reply, for: id) { continue }
                    if let action = Self.action(inUnawaitedID: id) {
                        // `.errors` mode: a refusal (or `{}` from an orchestrator that ignores the header).
                        self.record(reply, action: action, correlationID: id, deadline: nil)
                    } else {
                        self.logger.debug("reply for no waiting callback", metadata: ["correlation.id": "\(id)"])
                    }
                } catch {
                    self.logger.warning("undecodable callback reply", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    /// Publishes a callback and returns once the broker has confirmed it. In `.errors` mode it carries
    /// `x-baton-reply: errors` and no reply is registered (a refusal is counted when it arrives).
    /// - Parameters:
    ///   - callback: the callback.
    ///   - traceparent: the W3C trace context to send with it; default: the task's (``TraceContext``).
    /// - Throws: when the publish fails (no callback queue, broker down).
    public func publish(_ callback: Callback, traceparent: String? = TraceContext.traceparent) async throws
        -> PendingReply
    {
        let awaitsReply = configuration.replyMode == .all
        let id = awaitsReply ? UUID().uuidString.lowercased() : unawaitedID(action: callback.action)
        if awaitsReply { router.register(id) }
        var message = BusMessage(body: callback.encoded(), correlationID: id, replyTo: replyQueue, messageID: id)
        if let traceparent { message.headers[TraceContext.header] = traceparent }
        if !awaitsReply { message.headers[ReplyMode.header] = ReplyMode.errors.rawValue }
        do {
            // Straight to the owning orchestrator shard's queue (read from the token; the worker need not know
            // the shards); the entry queue when the token names none.
            try await bus.publishCallback(message, taskToken: callback.taskToken, names: names)
        } catch {
            if awaitsReply { router.expire(id) }
            WorkerMetrics.callbackNotPublished(action: callback.action)
            throw error
        }
        counters.withLock { $0.published += 1 }
        if case .heartbeat = callback.outcome { WorkerMetrics.heartbeatSent() }
        logger.debug(
            "callback published",
            metadata: [
                "callback.action": "\(callback.action)", "token.id": "\(Self.shortID(callback.taskToken))",
                "traceparent": "\(traceparent ?? "-")",
            ])
        return PendingReply(correlationID: id, action: callback.action, awaitsReply: awaitsReply)
    }

    /// Waits for the reply to a published callback, at most `deadline` (default: the configured one); logs and
    /// counts the outcome. A callback sent in `.errors` mode (``PendingReply/awaitsReply`` false) has no reply to
    /// wait for: this returns `nil` at once and counts nothing (a refusal is counted when it arrives).
    /// - Returns: the reply; `nil` when none came in time, or when none is expected (`.errors` mode).
    @discardableResult
    public func reply(to pending: PendingReply, deadline: Duration? = nil) async -> CallbackReply? {
        guard pending.awaitsReply else { return nil }
        let id = pending.correlationID
        let limit = deadline ?? configuration.replyDeadline
        let reply = await withTaskGroup(of: CallbackReply?.self) { group in
            group.addTask { await self.router.reply(for: id) }
            group.addTask {
                try? await Task.sleep(for: limit)
                self.router.expire(id)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        record(reply, action: pending.action, correlationID: id, deadline: limit)
        return reply
    }

    /// Logs and counts an answer (`nil`: none before `deadline`).
    private func record(_ reply: CallbackReply?, action: String, correlationID id: String, deadline: Duration?) {
        let metadata: Logger.Metadata = ["callback.action": "\(action)", "correlation.id": "\(id)"]
        switch reply {
        case nil:
            counters.withLock { $0.unanswered += 1 }
            WorkerMetrics.callbackAnswered(action: action, outcome: "unanswered")
            logger.warning(
                "no reply to callback in time", metadata: metadata.merging(["deadline": "\(deadline ?? .zero)"]) { $1 })
        case let reply? where reply.isAccepted:
            counters.withLock { $0.accepted += 1 }
            WorkerMetrics.callbackAnswered(action: action, outcome: "accepted")
            logger.debug("callback accepted", metadata: metadata)
        case let reply?:
            let type = reply.errorType ?? "?"
            counters.withLock { $0.rejected[type, default: 0] += 1 }
            WorkerMetrics.callbackAnswered(action: action, outcome: "rejected", errorType: type)
            logger.warning(
                "callback rejected",
                metadata: metadata.merging(["error.type": "\(type)", "error.message": "\(reply.message)"]) { $1 })
        }
    }

    /// The correlation id of a callback nobody waits for (`.errors` mode): `<action>/<instance>-<n>`, so that a
    /// refusal, which arrives with only this id, can still be logged and counted under its action.
    func unawaitedID(action: String) -> String {
        let number = unawaitedCount.add(1, ordering: .relaxed).newValue
        return action + "/" + instance + "-" + String(number)
    }

    /// Publishes callbacks that nobody waits for as one burst (`.errors` mode only: each carries
    /// `x-baton-reply: errors`, and a refusal is counted when it arrives); `completion` receives, once the broker
    /// settled all of them, whether each was confirmed. A callback whose token names another shard's queue that
    /// refuses it goes to the entry callback queue, as ``publish(_:traceparent:)`` does.
    /// - Parameters:
    ///   - callbacks: the callbacks, each with the W3C trace context to send with it.
    ///   - completion: per callback, in order, whether the broker took it; runs on a bus thread (keep it short).
    public func publishUnawaited(
        _ callbacks: [(callback: Callback, traceparent: String?)],
        completion: @escaping @Sendable ([Bool]) -> Void
    ) {
        guard !callbacks.isEmpty else { return completion([]) }
        var messages: [(message: BusMessage, destination: BusDestination)] = []
        messages.reserveCapacity(callbacks.count)
        for (callback, traceparent) in callbacks {
            let id = unawaitedID(action: callback.action)
            var message = BusMessage(body: callback.encoded(), correlationID: id, replyTo: replyQueue, messageID: id)
            message.headers[ReplyMode.header] = ReplyMode.errors.rawValue
            if let traceparent { message.headers[TraceContext.header] = traceparent }
            let queue = names.callbackQueue(shard: ShardMap.shard(ofTaskToken: callback.taskToken) ?? 0)
            messages.append((message, .queue(queue)))
        }
        let outcomes = Mutex((taken: [Bool](repeating: false, count: messages.count), remaining: messages.count))
        let finish: @Sendable (Int, Bool) -> Void = { [self] index, taken in
            let done = outcomes.withLock { state -> [Bool]? in
                state.taken[index] = taken
                state.remaining -= 1
                return state.remaining == 0 ? state.taken : nil
            }
            guard let done else { return }
            let published = done.filter { $0 }.count
            counters.withLock { $0.published += published }
            for (index, taken) in done.enumerated() where !taken {
                WorkerMetrics.callbackNotPublished(action: callbacks[index].callback.action)
            }
            completion(done)
        }
        bus.publish(messages) { [bus, names, messages] index, result in
            switch result {
            case .success:
                finish(index, true)
            case .failure:
                // Straight to a shard's queue failed: the entry queue's orchestrator forwards it or answers.
                guard case .queue(let queue) = messages[index].destination, queue != names.callbackQueue else {
                    return finish(index, false)
                }
                bus.publish(messages[index].message, toQueue: names.callbackQueue) {
                    finish(index, (try? $0.get()) != nil)
                }
            }
        }
    }

    /// The action in an id made by ``unawaitedID(action:)``; `nil` for the plain ids of awaited callbacks.
    static func action(inUnawaitedID id: String) -> String? {
        guard let slash = id.firstIndex(of: "/"), slash != id.startIndex else { return nil }
        return String(id[..<slash])
    }

    /// Publishes a callback and waits for its reply (see ``publish(_:)`` and ``reply(to:deadline:)``); in
    /// `.errors` mode returns `nil` as soon as the broker confirmed the publish.
    /// - Throws: when the publish fails.
    @discardableResult
    public func send(_ callback: Callback) async throws -> CallbackReply? {
        await reply(to: try await publish(callback))
    }

    /// A token's loggable short id: its last 8 characters (STYLE: never log a full token).
    public static func shortID(_ token: String) -> String { String(token.suffix(8)) }
}
