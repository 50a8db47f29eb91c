import BatonJSON
import Foundation
import Synchronization

/// A reply that carried an AWS error body `{"__type": …, "message": …}`.
public struct RemoteError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The name a report counts an error under: a remote error's AWS type (`ExecutionDoesNotExist`),
    /// `Cancelled`, or the Swift type of anything else.
    /// - Parameter error: what a call threw.
    public static func typeName(of error: any Error) -> String {
        if let remote = error as? RemoteError { return remote.type }
        if error is CancellationError { return "Cancelled" }
        return String(describing: Swift.type(of: error))
    }

    /// The AWS error type, e.g. `ExecutionDoesNotExist`.
    public var type: String
    /// The reason.
    public var message: String

    /// Creates an error.
    public init(type: String, message: String) {
        self.type = type
        self.message = message
    }

    public var description: String { "\(type): \(message)" }
}

/// Talks to the orchestrator over the broker: AWS-shaped commands and callbacks, each answered on this client's
/// exclusive reply queue (matched by correlation id). Used by the `baton` CLI, the workers' tests and the load
/// tester. Create it with `withClient`, which owns the reply consumer for the client's lifetime.
public final class BatonClient: Sendable {
    private let bus: any MessageBus
    private let names: Names
    private let shards: ShardMap
    private let replyQueue: String
    /// Requests waiting for a reply, by correlation id. Guarded by the `Mutex`.
    private let waiting = Mutex<[String: Mailbox]>([:])
    /// Told about replies nobody waits for (the refusals of ``post(_:request:correlationID:)``).
    private let unanswered = Mutex<(@Sendable (_ correlationID: String, _ body: [UInt8]) -> Void)?>(nil)

    /// A request's slot: registered before the request is published, so a fast reply is never missed.
    private enum Mailbox {
        case empty
        case waiting(CheckedContinuation<[UInt8], any Error>)
        case arrived(Result<[UInt8], any Error>)
    }

    private init(bus: any MessageBus, names: Names, shards: ShardMap, replyLabel: String) {
        self.bus = bus
        self.names = names
        self.shards = shards
        self.replyQueue = names.replyQueue("\(replyLabel)-\(UUID().uuidString.prefix(12).lowercased())")
    }

    /// Runs `body` with a client whose reply consumer lives exactly as long as `body`.
    /// - Parameters:
    ///   - shards: the orchestrator shards (`BATON_SHARDS`): with more than one, commands about one execution go
    ///     straight to its shard's queue; everything else goes to the entry command queue any shard serves.
    ///   - replyLabel: the reply queue is `<prefix>.replies.<label>-<12 hex>`: `client` for the CLI and the tools,
    ///     `orchestrator` for a shard asking another (the broker users' permissions tell the two apart).
    /// - Throws: what declaring the reply queue or `body` throws.
    public static func withClient<T: Sendable>(
        bus: any MessageBus, names: Names, shards: ShardMap = ShardMap(), replyLabel: String = "client",
        _ body: (BatonClient) async throws -> T
    ) async throws -> T {
        let client = BatonClient(bus: bus, names: names, shards: shards, replyLabel: replyLabel)
        try await bus.declare(QueueSpec(client.replyQueue, exclusive: true))
        let replies = try await bus.consume(client.replyQueue, prefetch: 1024)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.pumpReplies(replies) }
            defer {
                group.cancelAll()
                client.failAll(CancellationError())
            }
            return try await body(client)
        }
    }

    /// Sends an AWS action to the orchestrator and returns the response body (JSON text).
    /// - Parameters:
    ///   - action: e.g. `StartExecution`.
    ///   - request: the AWS request body as JSON text.
    ///   - timeout: how long to wait for the reply.
    /// - Throws: `RemoteError` for an AWS error reply, `RemoteError` `RequestTimeout` when no reply came.
    public func command(_ action: String, request: String = "{}", timeout: Duration = .seconds(30)) async throws
        -> String
    {
        try await command(action, request: request, toQueue: commandQueue(action, request), timeout: timeout)
    }

    /// Sends an AWS action to a given command queue (orchestrator shards forwarding to each other), with headers.
    /// - Throws: `RemoteError` for an AWS error reply, `RemoteError` `RequestTimeout` when no reply came.
    public func command(
        _ action: String, request: String, toQueue queue: String, headers: [String: String] = [:],
        timeout: Duration = .seconds(30)
    ) async throws -> String {
        let reply = try await ask(
            Self.commandBody(action, request), to: .queue(queue), headers: headers, timeout: timeout)
        try Self.throwIfError(reply)
        return String(decoding: reply, as: UTF8.self)
    }

    /// Sends an AWS action without waiting for its answer: the message asks for refusals only
    /// (`x-baton-reply: errors`), so an accepted one is answered by nothing and a refused one by an AWS error body
    /// that reaches the handler of ``onUnansweredReply(_:)`` with `correlationID`. Returns once the broker has
    /// the message.
    /// - Throws: a broker error when the publish fails.
    public func post(_ action: String, request: String, correlationID: String) async throws {
        let message = BusMessage(
            body: Self.commandBody(action, request), headers: [ReplyMode.header: ReplyMode.errors.rawValue],
            correlationID: correlationID,
            replyTo: replyQueue)
        try await bus.publish(message, toQueue: commandQueue(action, request))
    }

    /// Sets the handler told about every reply nobody waits for, with its correlation id and body (e.g. the
    /// refusals of ``post(_:request:correlationID:)``). It runs on the reply consumer's task: keep it short.
    public func onUnansweredReply(_ handler: @escaping @Sendable (_ correlationID: String, _ body: [UInt8]) -> Void) {
        unanswered.withLock { $0 = handler }
    }

    /// The AWS error a reply body carries, if it is one (`{"__type": …, "message": …}`).
    public static func remoteError(in reply: [UInt8]) -> RemoteError? {
        guard case .object(let object)? = try? JSON(parsing: reply), let type = object["__type"]?.stringValue else {
            return nil
        }
        return RemoteError(type: type, message: object["message"]?.stringValue ?? "")
    }

    /// The command queue for an action: its execution's shard when the shards are known and the request names
    /// one execution, else the entry queue (whose orchestrator routes it).
    private func commandQueue(_ action: String, _ request: String) -> String {
        guard shards.isSharded,
            let object = try? JSONSerialization.jsonObject(with: Data(request.utf8)) as? [String: Any]
        else { return names.commandQueue }
        switch action {
        case "StartExecution":
            if let name = object["name"] as? String {
                return names.commandQueue(shard: shards.shard(ofExecutionName: name))
            }
        case "DescribeExecution", "GetExecutionHistory", "StopExecution", "RedriveExecution":
            if let arn = object["executionArn"] as? String, let shard = shards.shard(ofExecutionArn: arn) {
                return names.commandQueue(shard: shard)
            }
        default: break
        }
        return names.commandQueue
    }

    /// Sends a callback and waits for the orchestrator's verdict.
    /// - Returns: `.accepted` or the rejection (`InvalidToken`, `TaskTimedOut`, …).
    /// - Throws: `RemoteError` `RequestTimeout` when no reply came, or a broker error.
    public func send(_ callback: Callback, timeout: Duration = .seconds(30)) async throws -> CallbackReply {
        let reply = try await ask(callback.encoded(), to: .callback(token: callback.taskToken), timeout: timeout)
        return try CallbackReply(decoding: reply)
    }

    /// Publishes raw bytes to the callback queue without waiting for a verdict (failure scenarios send garbage).
    public func sendRaw(_ body: [UInt8]) async throws {
        try await bus.publish(BusMessage(body: body), toQueue: names.callbackQueue)
    }

    /// Where a request goes: a queue, or the callback queue of the shard a task token names.
    private enum Destination {
        case queue(String)
        case callback(token: String)
    }

    private func ask(_ body: [UInt8], to destination: Destination, headers: [String: String] = [:], timeout: Duration)
        async throws -> [UInt8]
    {
        let id = UUID().uuidString
        waiting.withLock { $0[id] = .empty }
        defer { _ = waiting.withLock { $0.removeValue(forKey: id) } }
        let message = BusMessage(body: body, headers: headers, correlationID: id, replyTo: replyQueue)
        switch destination {
        case .queue(let queue): try await bus.publish(message, toQueue: queue)
        case .callback(let token): try await bus.publishCallback(message, taskToken: token, names: names)
        }
        return try await withThrowingTaskGroup(of: [UInt8].self) { group in
            group.addTask { try await self.reply(id) }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw RemoteError(type: "RequestTimeout", message: "no reply within \(timeout)")
            }
            defer { group.cancelAll() }
            do {
                return try await group.next()!
            } catch {
                resume(id, with: .failure(error))  // frees a reply() still suspended
                throw error
            }
        }
    }

    private func reply(_ id: String) async throws -> [UInt8] {
        try await withCheckedThrowingContinuation { continuation in
            let arrived = waiting.withLock { waiting -> Result<[UInt8], any Error>? in
                guard let slot = waiting[id] else { return .failure(CancellationError()) }
                if case .arrived(let result) = slot {
                    waiting[id] = .empty
                    return result
                }
                waiting[id] = .waiting(continuation)
                return nil
            }
            if let arrived { continuation.resume(with: arrived) }
        }
    }

    private func pumpReplies(_ replies: AsyncThrowingStream<BusDelivery, any Error>) async throws {
        for try await delivery in replies {
            if let id = delivery.message.correlationID, !resume(id, with: .success(delivery.message.body)) {
                unanswered.withLock { $0 }?(id, delivery.message.body)
            }
            delivery.settleWithoutWaiting(.ack)
        }
    }

    /// Hands a reply to its request; `false` when no request waits for `id`.
    @discardableResult
    private func resume(_ id: String, with result: Result<[UInt8], any Error>) -> Bool {
        let (claimed, continuation) = waiting.withLock {
            waiting -> (Bool, CheckedContinuation<[UInt8], any Error>?) in
            switch waiting[id] {
            case .waiting(let continuation):
                waiting[id] = .empty
                return (true, continuation)
            case .empty:
                waiting[id] = .arrived(result)
                return (true, nil)
            case .arrived:
                return (true, nil)
            case nil:
                return (false, nil)
            }
        }
        continuation?.resume(with: result)
        return claimed
    }

    private func failAll(_ error: any Error) {
        let all = waiting.withLock { waiting in
            defer { waiting.removeAll() }
            return waiting.values.compactMap { slot -> CheckedContinuation<[UInt8], any Error>? in
                if case .waiting(let continuation) = slot { return continuation }
                return nil
            }
        }
        for continuation in all { continuation.resume(throwing: error) }
    }

    private static func throwIfError(_ reply: [UInt8]) throws {
        if let error = remoteError(in: reply) { throw error }
    }

    /// The body of a command: `{"action": …, "request": …}`.
    private static func commandBody(_ action: String, _ request: String) -> [UInt8] {
        Array("{\"action\":\(quoted(action)),\"request\":\(request)}".utf8)
    }

    /// A JSON string literal for `text`.
    public static func quoted(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 2)
        JSON.writeString(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
