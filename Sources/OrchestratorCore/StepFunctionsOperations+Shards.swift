import BatonJSON
import BatonProtocol
import Foundation
import StatesLanguage

/// The routed door with several shards: each request reaches the shard that owns its execution, state machine
/// changes reach every shard, and ListExecutions pages through every shard.
extension StepFunctionsOperations {
    func handle(action: String, body: JSONObject, router: ShardRouter) async throws(APIError) -> JSON {
        var body = body
        if action == "StartExecution", body["name"] == nil || body["name"] == .null {
            // The name decides the shard, so it is chosen here rather than by the owner.
            body["name"] = .string(UUID().uuidString.lowercased())
        }
        switch router.route(action: action, request: body) {
        case .local:
            return try await handleLocally(action: action, body: body)
        case .shard(let shard):
            return try await router.ask(shard, action: action, request: .object(body))
        case .callback(let shard):
            try await router.send(try Self.callback(action: action, body), to: shard)
            return .object(JSONObject())
        case .everyShard:
            return try await everyShard(action: action, body: body, router: router)
        case .gather:
            return try await gatherExecutions(body, router: router)
        }
    }

    /// Applies a state machine change here, then on every other shard (in parallel); answers this shard's
    /// response once all agreed, or the first refusal. A shard that is down gets the change from its queue when
    /// it starts; the caller then sees ShardUnavailable and may repeat the (idempotent) request.
    private func everyShard(action: String, body: JSONObject, router: ShardRouter) async throws(APIError) -> JSON {
        let response = try await handleLocally(action: action, body: body)
        let others = (0..<router.map.count).filter { $0 != router.shard }
        let failures = await withTaskGroup(of: APIError?.self) { group in
            for shard in others {
                group.addTask {
                    do throws(APIError) {
                        _ = try await router.ask(shard, action: action, request: .object(body))
                        return nil
                    } catch {
                        return error
                    }
                }
            }
            var failures: [APIError] = []
            for await failure in group { if let failure { failures.append(failure) } }
            return failures
        }
        if let first = failures.first { throw first }
        return response
    }

    /// ListExecutions over every shard: shard after shard, each newest first, as one sequence of pages. The
    /// nextToken is `<shard>:<that shard's token>` (empty after the colon: that shard from its start).
    private func gatherExecutions(_ body: JSONObject, router: ShardRouter) async throws(APIError) -> JSON {
        let limit = try RequestFields(body: body, action: "ListExecutions").maxResults()
        var (shard, cursor) = (0, String?.none)
        if let token = body["nextToken"]?.stringValue {
            guard let colon = token.firstIndex(of: ":"), let value = Int(token[..<colon]),
                (0..<router.map.count).contains(value)
            else {
                throw APIError(.invalidToken, "Invalid Token: 'the nextToken is not valid'")
            }
            shard = value
            let rest = String(token[token.index(after: colon)...])
            cursor = rest.isEmpty ? nil : rest
        }
        var executions: [JSON] = []
        var next: String?
        while shard < router.map.count {
            var request = body
            request["maxResults"] = .integer(Int64(limit - executions.count))
            request["nextToken"] = cursor.map { .string($0) }
            let page =
                shard == router.shard
                ? try await handleLocally(action: "ListExecutions", body: request)
                : try await router.ask(shard, action: "ListExecutions", request: .object(request))
            executions += page["executions"]?.arrayValue ?? []
            if let more = page["nextToken"]?.stringValue {
                next = "\(shard):\(more)"
                break
            }
            (shard, cursor) = (shard + 1, nil)
            if executions.count >= limit {
                if shard < router.map.count { next = "\(shard):" }
                break
            }
        }
        var response: JSONObject = ["executions": .array(executions)]
        if let next { response["nextToken"] = .string(next) }
        return .object(response)
    }

    /// The callback a SendTask* request stands for, checked as the owner would check it.
    private static func callback(action: String, _ body: JSONObject) throws(APIError) -> Callback {
        let fields = RequestFields(body: body, action: action)
        let token = try fields.string("taskToken", length: RequestFields.Length.taskToken)
        switch action {
        case "SendTaskSuccess":
            return Callback(taskToken: token, outcome: .success(output: try fields.string("output")))
        case "SendTaskFailure":
            return Callback(
                taskToken: token,
                outcome: .failure(
                    error: try fields.optionalString("error", length: RequestFields.Length.error),
                    cause: try fields.optionalString("cause", length: RequestFields.Length.cause)))
        default: return Callback(taskToken: token, outcome: .heartbeat)
        }
    }
}
