import BatonJSON
import BatonProtocol
import ExecutionStore
import Foundation
import StatesLanguage
import Synchronization

/// The activities that exist, as the engine checks them when a Task state schedules one (a missing activity fails
/// the state with `States.Runtime`, as on AWS). Loaded from the store at start (``Engine/loadActivities()``) and
/// kept in step by CreateActivity and DeleteActivity; before loading, every activity counts as existing.
final class ActivityRegistry: Sendable {
    private let arns = Mutex<Set<String>?>(nil)

    func contains(_ arn: String) -> Bool { arns.withLock { $0?.contains(arn) ?? true } }
    func load(_ all: Set<String>) { arns.withLock { $0 = all } }
    func insert(_ arn: String) { arns.withLock { _ = $0?.insert(arn) } }
    func remove(_ arn: String) { arns.withLock { _ = $0?.remove(arn) } }
}

extension Engine {
    /// Reads the activities that exist from the store (call once at start, before serving).
    /// - Throws: ``ExecutionStoreError`` on a SQLite failure.
    public func loadActivities() async throws {
        var all = Set<String>()
        var cursor: String?
        repeat {
            let page = try await store.listActivities(limit: 1000, after: cursor)
            all.formUnion(page.items.map(\.arn))
            cursor = page.nextCursor
        } while cursor != nil
        activities.load(all)
    }

    /// CreateActivity: idempotent by name (the existing activity is answered).
    /// - Throws: `APIError` — InvalidName, InternalFailure.
    public func createActivity(name: String) async throws(APIError) -> ActivityRecord {
        guard (1...80).contains(name.count) else { throw APIError(.invalidName, "Invalid Name: '\(name)'") }
        do {
            try ResourceName.validate(name, field: "name")
        } catch {
            throw APIError(.invalidName, "Invalid Name: '\(name)'")
        }
        let arn = configuration.activityArn(name: name)
        do {
            let record = try await store.createActivity(
                ActivityRecord(arn: arn, name: name, creationDate: clock.now()))
            activities.insert(arn)
            return record
        } catch {
            throw apiError(error)
        }
    }

    /// DeleteActivity: deleting one that does not exist succeeds, as on AWS. Tasks already waiting in its queue
    /// stay there until their state's timeout.
    /// - Throws: `APIError` — InvalidArn, InternalFailure.
    public func deleteActivity(arn: String) async throws(APIError) {
        _ = try Self.activityName(arn)
        do {
            try await store.deleteActivity(arn: arn)
            activities.remove(arn)
        } catch {
            throw apiError(error)
        }
    }

    /// DescribeActivity.
    /// - Throws: `APIError` — InvalidArn, ActivityDoesNotExist, InternalFailure.
    public func describeActivity(arn: String) async throws(APIError) -> ActivityRecord {
        _ = try Self.activityName(arn)
        let record: ActivityRecord?
        do {
            record = try await store.activity(arn: arn)
        } catch {
            throw apiError(error)
        }
        guard let record else { throw APIError(.activityDoesNotExist, "Activity Does Not Exist: '\(arn)'") }
        return record
    }

    /// ListActivities, in creation order.
    /// - Throws: `APIError` — InvalidToken (a bad `nextToken`), InternalFailure.
    public func listActivities(limit: Int, nextToken: String?) async throws(APIError) -> Page<ActivityRecord> {
        do {
            return try await store.listActivities(limit: limit, after: nextToken)
        } catch let error as ExecutionStoreError where error.code == .invalidCursor {
            throw APIError(.invalidToken, "Invalid Token: 'the nextToken is not one this API returned'")
        } catch {
            throw apiError(error)
        }
    }

    /// A poller received an activity task (GetActivityTask): records `ActivityStarted` with its worker name, once.
    /// - Returns: `false` when the task is no longer open (it timed out or its execution ended while it waited in
    ///   the queue): it is not handed out.
    /// - Throws: `APIError` — InvalidToken (not a token of this orchestrator), InternalFailure.
    func activityHandedOut(taskToken: String, workerName: String?) async throws(APIError) -> Bool {
        // Execution ids are per store: `verify` refuses another shard's token, which must never be looked up here.
        let token = try verify(taskToken)
        let tokenID = Engine.tokenID(executionID: token.executionID, taskID: token.taskID)
        return try await apiTransition(.execution(token.executionID)) { context in
            guard let task = try context.tx.openTask(tokenID: tokenID), task.attempt == token.attempt,
                let number = Int(task.taskID)
            else { return false }
            do {
                try context.run(
                    [.activityStarted(TaskID(rawValue: number), workerName: workerName, at: context.now)],
                    executionID: task.executionID)
            } catch is InterpreterRejection {
                return false
            }
            return true
        }
    }

    /// The name in an activity ARN.
    /// - Throws: `APIError` InvalidArn, with AWS's message.
    static func activityName(_ arn: String) throws(APIError) -> String {
        guard arn.hasPrefix("arn:") else { throw APIError(.invalidArn, "Invalid Arn: 'Invalid ARN prefix: \(arn)'") }
        guard let name = StatesARN.activityName(arn) else {
            throw APIError(.invalidArn, "Invalid Arn: 'Resource type not valid in this context: \(arn)'")
        }
        return name
    }
}
