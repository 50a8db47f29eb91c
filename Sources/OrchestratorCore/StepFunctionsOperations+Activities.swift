import BatonJSON
import BatonProtocol
import ExecutionStore
import Foundation
import ServiceLifecycle
import StatesLanguage

/// Activities: CreateActivity, DeleteActivity, DescribeActivity, ListActivities and GetActivityTask, as AWS
/// defines them. An activity task waits in its activity's durable queue (`<prefix>.activity.<name>`, written by
/// the outbox when the Task state schedules it); GetActivityTask is a long poll: a consumer with prefetch 1 on that
/// queue for up to `activityPollSeconds` (AWS: 60). Pollers of one activity share it as RabbitMQ's consumers of a
/// queue do (round robin). A task is handed out only after its `ActivityStarted` is committed, and acked right
/// after; a task whose state ended while it waited in the queue is dropped and the poll goes on.
extension StepFunctionsOperations {
    func handleActivity(action: String, _ fields: RequestFields) async throws(APIError) -> JSON {
        switch action {
        case "CreateActivity":
            // Tags and encryption are accepted (Baton keeps no tags or keys yet).
            _ = fields.body["tags"]
            let record = try await engine.createActivity(name: try fields.string("name"))
            return [
                "activityArn": .string(record.arn), "creationDate": .number(record.creationDate.timeIntervalSince1970),
            ]
        case "DeleteActivity":
            try await engine.deleteActivity(arn: try fields.arn("activityArn"))
            return .object(JSONObject())
        case "DescribeActivity":
            let record = try await engine.describeActivity(arn: try fields.arn("activityArn"))
            return [
                "activityArn": .string(record.arn), "name": .string(record.name),
                "creationDate": .number(record.creationDate.timeIntervalSince1970),
                "encryptionConfiguration": ["type": "AWS_OWNED_KEY"],
            ]
        case "ListActivities":
            let page = try await engine.listActivities(
                limit: try fields.maxResults(),
                nextToken: try fields.optionalString("nextToken", length: RequestFields.Length.pageToken))
            var response: JSONObject = [
                "activities": .array(
                    page.items.map { record -> JSON in
                        [
                            "activityArn": .string(record.arn), "name": .string(record.name),
                            "creationDate": .number(record.creationDate.timeIntervalSince1970),
                        ]
                    })
            ]
            if let next = page.nextCursor { response["nextToken"] = .string(next) }
            return .object(response)
        default:
            return try await getActivityTask(
                arn: try fields.arn("activityArn"), workerName: try fields.optionalString("workerName", length: 1...80))
        }
    }

    /// GetActivityTask: `{taskToken, input}` of the next task of the activity, or `{}` (no `taskToken`) when none
    /// came within the poll time.
    /// - Throws: `APIError` — InvalidArn, ActivityDoesNotExist, ServiceUnavailable (no broker), InternalFailure.
    func getActivityTask(arn: String, workerName: String?) async throws(APIError) -> JSON {
        let name = try Engine.activityName(arn)
        _ = try await engine.describeActivity(arn: arn)
        guard let bus else { throw APIError(.serviceUnavailable, "GetActivityTask needs the broker") }
        let queue = engine.names.activityQueue(name)
        let deadline = ContinuousClock.now.advanced(by: .seconds(engine.configuration.activityPollSeconds))
        do {
            try await bus.declare(QueueSpec(queue))
            while ContinuousClock.now < deadline {
                // The consumer lives as long as `consumer`: until this delivery is settled.
                let (next, consumer) = try await Self.next(from: bus, queue: queue, until: deadline)
                defer { withExtendedLifetime(consumer) {} }
                guard let delivery = next else { break }
                guard let task = try? JSON(parsing: delivery.message.body), let token = task["taskToken"]?.stringValue,
                    let input = task["input"]?.stringValue
                else {
                    try? await delivery.settle(.deadLetter(reason: "not an activity task"))
                    continue
                }
                let handedOut: Bool
                do {
                    handedOut = try await handOut(taskToken: token, workerName: workerName)
                } catch  where error.code == .invalidToken {
                    try? await delivery.settle(.deadLetter(reason: "activity task with a token of another key"))
                    continue
                } catch {
                    try? await delivery.settle(.requeue)
                    throw error
                }
                try await delivery.settle(.ack)
                if handedOut { return ["taskToken": .string(token), "input": .string(input)] }
            }
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError(.serviceUnavailable, "GetActivityTask could not reach the broker: \(error)")
        }
        return .object(JSONObject())
    }

    /// Records the task's `ActivityStarted` where its execution lives: here, or — with several shards, whose
    /// executions share the activity's queue — on the shard its token names (asked over its command queue).
    /// - Returns: whether the task is still open and so handed out.
    /// - Throws: `APIError` — InvalidToken, ShardUnavailable, InternalFailure.
    private func handOut(taskToken: String, workerName: String?) async throws(APIError) -> Bool {
        guard let router, let owner = ShardMap.shard(ofTaskToken: taskToken), owner != router.shard,
            owner < router.map.count
        else { return try await engine.activityHandedOut(taskToken: taskToken, workerName: workerName) }
        var request: JSONObject = ["taskToken": .string(taskToken)]
        if let workerName { request["workerName"] = .string(workerName) }
        let answer = try await router.ask(owner, action: Self.activityStartedAction, request: .object(request))
        return answer["handedOut"] == true
    }

    /// The internal action a shard asks the owner of an activity task's execution with (command queue only; the
    /// HTTP API does not serve it).
    static let activityStartedAction = "BatonActivityStarted"

    /// Serves ``activityStartedAction`` for another shard.
    func activityStarted(_ fields: RequestFields) async throws(APIError) -> JSON {
        let handedOut = try await engine.activityHandedOut(
            taskToken: try fields.string("taskToken", length: RequestFields.Length.taskToken),
            workerName: try fields.optionalString("workerName", length: 1...80))
        return ["handedOut": .bool(handedOut)]
    }

    /// The first delivery of `queue` before `deadline`, or `nil`: a consumer with prefetch 1 that lives for this
    /// one delivery (its channel closes when the returned stream is released, returning anything else it was sent
    /// to the queue). Settle the delivery before releasing the stream: an unsettled one would go back too.
    private static func next(from bus: any MessageBus, queue: String, until deadline: ContinuousClock.Instant)
        async throws -> (BusDelivery?, AsyncThrowingStream<BusDelivery, any Error>)
    {
        let stream = try await bus.consume(queue, prefetch: 1)
        let first = try await withThrowingTaskGroup(of: BusDelivery?.self) { group in
            group.addTask {
                for try await delivery in stream { return delivery }
                return nil
            }
            group.addTask {
                try? await Task.sleep(until: deadline)
                return nil
            }
            // A shutting-down orchestrator answers the poll at once (without a task) instead of holding it.
            group.addTask {
                try? await gracefulShutdown()
                if !Task.isCancelled { try? await Task.sleep(for: .milliseconds(10)) }
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        return (first, stream)
    }
}
