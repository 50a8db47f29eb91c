import BatonJSON
import ExecutionStore
import Foundation
import Logging
import StatesLanguage

/// What StartExecution answers.
public struct StartedExecution: Sendable, Hashable {
    /// The execution's ARN.
    public var executionArn: String
    /// When it started.
    public var startDate: Date
}

/// One StartExecution of a batch (``Engine/startExecutions(_:)``).
public struct StartRequest: Sendable {
    /// The state machine to run.
    public var stateMachineArn: String
    /// The execution name; a UUID when `nil`.
    public var name: String?
    /// The input JSON text; `{}` when `nil`.
    public var input: String?
    /// The W3C trace context to carry into its task messages.
    public var traceparent: String?
    /// The parent execution's task that asks for this start (`states:startExecution`), if any.
    public var parent: ExecutionStart.ParentTask?
    /// The version (and alias) it runs, when started through one; `stateMachineArn` is then the unqualified ARN.
    public var pinned: PinnedVersion?

    /// Creates a request.
    public init(
        stateMachineArn: String, name: String?, input: String?, traceparent: String?,
        parent: ExecutionStart.ParentTask? = nil, pinned: PinnedVersion? = nil
    ) {
        self.stateMachineArn = stateMachineArn
        self.name = name
        self.input = input
        self.traceparent = traceparent
        self.parent = parent
        self.pinned = pinned
    }
}

extension Engine {
    /// Starts an execution (AWS StartExecution): validates, records it and runs it to its first wait, in one
    /// transaction. The same name with the same input while it runs answers the original execution, as AWS does.
    /// - Parameters:
    ///   - stateMachineArn: the state machine to run.
    ///   - name: the execution name; a UUID when `nil`.
    ///   - input: the input JSON text; `{}` when `nil`.
    ///   - traceparent: the W3C trace context to carry into its task messages.
    ///   - pinned: the version (and alias) it runs, when started through one.
    /// - Throws: `APIError` — InvalidArn, InvalidName, InvalidExecutionInput, StateMachineDoesNotExist,
    ///   ExecutionAlreadyExists, InternalFailure.
    public func startExecution(
        stateMachineArn: String, name: String? = nil, input: String? = nil, traceparent: String? = nil,
        pinned: PinnedVersion? = nil
    ) async throws(APIError) -> StartedExecution {
        try await apiTransition(
            try startTransition(
                stateMachineArn: stateMachineArn, name: name, input: input, traceparent: traceparent, pinned: pinned))
    }

    /// Starts executions that arrived together as one batch (``commit(batch:)``): one store commit for all of them,
    /// their first tasks published as one burst. Each gets the answer ``startExecution(stateMachineArn:name:input:traceparent:)``
    /// would give it.
    /// - Returns: per request, in order, the started execution or its `APIError`.
    public func startExecutions(_ requests: [StartRequest]) async -> [Result<StartedExecution, APIError>] {
        await apiBatch(requests) { request throws(APIError) in
            try startTransition(
                stateMachineArn: request.stateMachineArn, name: request.name, input: request.input,
                traceparent: request.traceparent, parent: request.parent, pinned: request.pinned)
        }
    }

    /// The transition a StartExecution makes, once the checks that need no store passed.
    /// - Throws: `APIError` — InvalidArn, InvalidName, InvalidExecutionInput.
    private func startTransition(
        stateMachineArn: String, name: String?, input: String?, traceparent: String?,
        parent: ExecutionStart.ParentTask? = nil, pinned: PinnedVersion? = nil
    ) throws(APIError) -> BatchedTransition<StartedExecution> {
        guard let machineName = StatesARN.stateMachineName(stateMachineArn) else {
            throw APIError(.invalidArn, "Invalid Arn: '\(stateMachineArn.prefix(256))'")
        }
        let name = name ?? UUID().uuidString.lowercased()
        try ResourceName.validate(name, field: "name")
        let input = input ?? "{}"
        guard input.utf8.count <= maximumPayloadBytes else {
            throw APIError(.invalidExecutionInput, "input of \(input.utf8.count) bytes exceeds the 262144-byte limit")
        }
        let parsedInput: JSON
        do {
            parsedInput = try JSON(parsing: input)
        } catch {
            throw APIError(.invalidExecutionInput, "Invalid State Machine Execution Input: '\(error.reason)'")
        }
        let executionArn = configuration.executionArn(stateMachineName: machineName, executionName: name)
        return BatchedTransition(executionID: nil) { context in
            let tx = context.tx
            guard let machine = try tx.stateMachine(arn: stateMachineArn) else {
                throw APIError(.stateMachineDoesNotExist, "State Machine Does Not Exist: '\(stateMachineArn)'")
            }
            if let existing = try tx.execution(arn: executionArn) {
                // The same parent task's command again (its outbox republished it): the start it asked for happened.
                if let parent, existing.input == input, try Self.parentToken(of: existing, tx) == parent.taskToken {
                    return StartedExecution(executionArn: existing.arn, startDate: existing.startDate)
                }
                guard existing.status.rawValue == "RUNNING", existing.input == input else {
                    throw APIError(.executionAlreadyExists, "Execution Already Exists: '\(executionArn)'")
                }
                return StartedExecution(executionArn: existing.arn, startDate: existing.startDate)
            }
            let record = try tx.insertExecution(
                NewExecution(
                    arn: executionArn, name: name, stateMachineArn: stateMachineArn,
                    stateMachineRevision: pinned?.revision ?? machine.revision, input: input, startDate: context.now,
                    state: Data(), traceParent: traceparent, stateMachineVersionArn: pinned?.versionArn,
                    stateMachineAliasArn: pinned?.aliasArn))
            let start = ExecutionStart(
                input: parsedInput, executionArn: executionArn, executionName: name,
                stateMachineArn: stateMachineArn, stateMachineName: machine.name,
                roleArn: pinned?.roleArn ?? machine.roleArn, startDate: context.now, parent: parent)
            try context.run([.started(start)], executionID: record.id, record: record)
            if let parent,
                let report = NestedExecution.startedCallback(
                    parent: parent, executionArn: executionArn, startDate: record.startDate)
            {
                try context.enqueue(
                    NestedExecution.outboxMessage(report, names: self.names, messageID: "start \(executionArn)"))
            }
            return StartedExecution(executionArn: executionArn, startDate: context.now)
        }
    }

    /// The token of the parent task that started an execution, from its stored state (`nil` when it has none, or
    /// ended in its first transition and so never stored one).
    private static func parentToken(of record: ExecutionRecord, _ tx: any TransitionStore) throws -> String? {
        guard let data = try tx.executionState(id: record.id), !data.isEmpty else { return nil }
        return try StateCoding.decoder.decode(ExecutionState.self, from: data).start?.parent?.taskToken
    }

    /// Stops a running execution (AWS StopExecution): it ends ABORTED, its open tasks are closed (their tokens
    /// then answer TaskTimedOut) and its timers disarmed. Stopping an execution that already ended changes nothing.
    /// - Returns: the stop date.
    /// - Throws: `APIError` — InvalidArn, ExecutionDoesNotExist, InternalFailure.
    public func stopExecution(executionArn: String, error: String? = nil, cause: String? = nil)
        async throws(APIError) -> Date
    {
        guard StatesARN.executionNames(executionArn) != nil else {
            throw APIError(.invalidArn, "Invalid Arn: '\(executionArn.prefix(256))'")
        }
        if let error, error.count > 256 { throw APIError(.validation, "error must be at most 256 characters") }
        if let cause, cause.count > 32_768 { throw APIError(.validation, "cause must be at most 32768 characters") }
        let executionID = try await storedExecutionID(executionArn)
        return try await apiTransition(.execution(executionID)) { context in
            guard let record = try context.tx.execution(arn: executionArn) else {
                throw APIError(.executionDoesNotExist, "Execution Does Not Exist: '\(executionArn)'")
            }
            guard record.status.rawValue == "RUNNING" else { return record.stopDate ?? context.now }
            try context.run(
                [.stopRequested(error: error, cause: cause, at: context.now)], executionID: record.id,
                record: record)
            return context.now
        }
    }

    /// The store id of an execution, for a transition in its lane.
    /// - Throws: `APIError` — ExecutionDoesNotExist, InternalFailure.
    func storedExecutionID(_ executionArn: String) async throws(APIError) -> Int64 {
        let executionID: Int64?
        do {
            executionID = try await store.execution(arn: executionArn)?.id
        } catch {
            throw APIError(.internalFailure, "the orchestrator could not read the execution: \(error)")
        }
        guard let executionID else {
            throw APIError(.executionDoesNotExist, "Execution Does Not Exist: '\(executionArn)'")
        }
        return executionID
    }

    /// Runs a transition for an API request: `APIError`s pass through, anything else becomes InternalFailure.
    /// - Parameters:
    ///   - lane: where it runs (see ``TransitionLane``).
    func apiTransition<T: Sendable>(
        _ lane: TransitionLane, _ body: @escaping @Sendable (inout TransitionContext) throws -> T
    ) async throws(APIError) -> T {
        do {
            switch lane {
            case .writer: return try await commit(body)
            case .newExecution: return try await commit(lane: nil, body)
            case .execution(let id): return try await commit(lane: id, body)
            }
        } catch {
            throw apiError(error)
        }
    }

    /// Runs one batched transition alone, for an API request (see ``apiTransition(_:_:)``).
    func apiTransition<T: Sendable>(_ transition: BatchedTransition<T>) async throws(APIError) -> T {
        do {
            return try await commit(lane: transition.executionID, transition.body)
        } catch {
            throw apiError(error)
        }
    }

    /// What an API caller is told of a transition's error: `APIError`s pass through, an interpreter refusal is
    /// TaskTimedOut, anything else InternalFailure (and logged).
    func apiError(_ error: any Error) -> APIError {
        if let error = error as? APIError { return error }
        if let error = error as? InterpreterRejection {
            return APIError(.taskTimedOut, "Task Timed Out: '\(error.message)'")
        }
        logger.error("transition failed", metadata: ["error": "\(error)"])
        return APIError(.internalFailure, "the orchestrator could not commit the request: \(error)")
    }
}

/// Where a transition runs.
enum TransitionLane {
    /// Entirely on the store's writer (state machine operations).
    case writer
    /// Planned off the writer, for an execution it creates.
    case newExecution
    /// Planned off the writer in this execution's lane.
    case execution(Int64)
}

enum ResourceName {
    /// Checks an AWS resource name: 1–80 characters, no whitespace, brackets, wildcards, special or control
    /// characters (AWS's rule for state machine and execution names).
    /// - Throws: `APIError` InvalidName.
    static func validate(_ name: String, field: String) throws(APIError) {
        let forbidden = Set(" <>{}[]?*\"#%\\^|~`$&,;:/".unicodeScalars)
        guard (1...80).contains(name.count),
            !name.unicodeScalars.contains(where: {
                forbidden.contains($0) || $0.properties.isWhitespace || $0.value < 0x20
                    || (0x7F...0x9F).contains($0.value)
            })
        else {
            throw APIError(.invalidName, "Invalid Name: '\(name.prefix(100))'")
        }
    }
}
