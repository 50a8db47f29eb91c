import BatonJSON
import BatonProtocol
import Foundation
import StatesLanguage

/// How one orchestrator shard reaches the others over the broker: requests about an execution of another shard,
/// callbacks whose token names another shard, and the shard-wide operations (state machine changes go to every
/// shard, ListExecutions gathers from every shard). The engine never sees it: it sits in the service layer
/// (`CommandService`, `CallbackService`, `StepFunctionsOperations`' routed door).
///
/// A request forwarded to a shard carries ``scopeHeader`` so that shard serves it from its own store and never
/// forwards it again (no loops, and no shard ever waits for a shard that waits for it).
public struct ShardRouter: Sendable {
    /// The header that marks a command as already routed: serve it locally.
    public static let scopeHeader = "x-baton-shard-scope"
    /// This orchestrator's shard.
    public let shard: Int
    /// All shards.
    public let map: ShardMap
    let names: Names
    let bus: any MessageBus
    let client: BatonClient
    let timeout: Duration

    /// Creates a router.
    /// - Parameters:
    ///   - shard: this orchestrator's shard, `0..<map.count`.
    ///   - map: the shards.
    ///   - names: queue names.
    ///   - bus: the broker, for republishing deliveries.
    ///   - client: the client whose reply queue collects the answers of other shards.
    ///   - timeout: how long to wait for another shard's answer.
    public init(
        shard: Int, map: ShardMap, names: Names, bus: any MessageBus, client: BatonClient,
        timeout: Duration = .seconds(30)
    ) {
        precondition((0..<map.count).contains(shard), "shard \(shard) is not in 0..<\(map.count)")
        self.shard = shard
        self.map = map
        self.names = names
        self.bus = bus
        self.client = client
        self.timeout = timeout
    }

    /// Where a request is served.
    enum Route: Equatable {
        /// By this shard.
        case local
        /// By another shard's command queue.
        case shard(Int)
        /// By another shard's callback queue (a callback action whose token names it).
        case callback(shard: Int)
        /// By every shard (state machine changes: each shard keeps its own copy).
        case everyShard
        /// Gathered from every shard (ListExecutions).
        case gather
    }

    /// The route of an action (the request's name must be filled in for StartExecution).
    func route(action: String, request: JSONObject) -> Route {
        func owner(_ shard: Int?) -> Route {
            guard let shard, shard != self.shard else { return .local }
            return .shard(shard)
        }
        switch action {
        case "StartExecution":
            return owner(request["name"]?.stringValue.map { map.shard(ofExecutionName: $0) })
        case "DescribeExecution", "GetExecutionHistory", "StopExecution", "DescribeStateMachineForExecution",
            "RedriveExecution":
            return owner(request["executionArn"]?.stringValue.flatMap { map.shard(ofExecutionArn: $0) })
        case "SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat":
            guard let token = request["taskToken"]?.stringValue, let shard = ShardMap.shard(ofTaskToken: token),
                shard != self.shard, shard < map.count
            else { return .local }
            return .callback(shard: shard)
        case "CreateStateMachine", "UpdateStateMachine", "DeleteStateMachine", "CreateActivity", "DeleteActivity",
            "PublishStateMachineVersion", "DeleteStateMachineVersion", "CreateStateMachineAlias",
            "UpdateStateMachineAlias", "DeleteStateMachineAlias", "TagResource", "UntagResource":
            return .everyShard
        case "ListExecutions": return .gather
        default: return .local
        }
    }

    /// Asks another shard to serve an action from its own store and returns its response.
    /// - Throws: `APIError`: the shard's own error, or `ShardUnavailable` (503) when it did not answer in time.
    func ask(_ shard: Int, action: String, request: JSON) async throws(APIError) -> JSON {
        do {
            let reply = try await client.command(
                action, request: request.serialized, toQueue: names.commandQueue(shard: shard),
                headers: [Self.scopeHeader: "shard"], timeout: timeout)
            return try JSON(parsing: reply)
        } catch let error as RemoteError {
            throw Self.error(error, shard: shard)
        } catch {
            throw APIError(Self.shardUnavailable, "shard \(shard) could not be asked: \(error)")
        }
    }

    /// Sends a callback to the shard its token names and turns its verdict into the API's answer.
    /// - Throws: `APIError`: the owner's refusal (InvalidToken, TaskTimedOut, …) or `ShardUnavailable`.
    func send(_ callback: Callback, to shard: Int) async throws(APIError) {
        let reply: CallbackReply
        do {
            reply = try await client.send(callback, timeout: timeout)
        } catch let error as RemoteError {
            throw Self.error(error, shard: shard)
        } catch {
            throw APIError(Self.shardUnavailable, "shard \(shard) could not be asked: \(error)")
        }
        if let type = reply.errorType { throw APIError(Self.code(type), reply.message) }
    }

    /// Republishes a delivery unchanged (body, headers, reply_to, correlation id) to another queue, marked as
    /// routed, so the owner answers the original asker directly and nobody here waits.
    /// - Throws: when the broker does not confirm it (the caller requeues the delivery).
    func republish(_ delivery: BusDelivery, toQueue queue: String) async throws {
        var message = delivery.message
        message.headers[Self.scopeHeader] = "shard"
        message.persistent = true
        try await bus.publish(message, toQueue: queue)
    }

    /// A shard that did not answer: 503, which AWS SDKs retry; not `ServiceUnavailable`, which would make a
    /// command requeue itself while the shard is down.
    static let shardUnavailable = APIError.Code.named("ShardUnavailable", status: 503)

    private static func error(_ remote: RemoteError, shard: Int) -> APIError {
        guard remote.type != "RequestTimeout" else {
            return APIError(
                shardUnavailable,
                "shard \(shard) did not answer in time; a request left in its queue is served when it is back")
        }
        return APIError(code(remote.type), remote.message)
    }

    /// The API code for an error type another shard answered, with its HTTP status.
    private static func code(_ type: String) -> APIError.Code {
        switch type {
        case APIError.Code.internalFailure.name: .named(type, status: 500)
        case APIError.Code.serviceUnavailable.name, shardUnavailable.name: .named(type, status: 503)
        default: .named(type)
        }
    }
}
