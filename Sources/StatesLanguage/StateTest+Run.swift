import BatonJSON
import Foundation

/// What TestState answers: AWS's TestState response.
public struct StateTestResult: Sendable, Hashable {
    /// How the state ended (AWS's `status`).
    public enum Status: String, Sendable, Hashable {
        /// The state finished with an output (and goes to `nextState`, unless it ends the machine).
        case succeeded = "SUCCEEDED"
        /// The state failed and neither Retry nor Catch took the error.
        case failed = "FAILED"
        /// The state failed and a retrier with attempts left took the error: it would run again.
        case retriable = "RETRIABLE"
        /// The state failed and a catcher took the error: `nextState` is the catcher's Next.
        case caughtError = "CAUGHT_ERROR"
    }

    /// How the state ended.
    public var status: Status
    /// The state's output (for CAUGHT_ERROR, what the catcher passes on).
    public var output: JSON?
    /// The error, when the state failed.
    public var error: String?
    /// The error's cause.
    public var cause: String?
    /// The state the machine would go to next.
    public var nextState: String?
    /// AWS's `inspectionData` (DEBUG and TRACE): data fields as JSON text, as AWS sends them.
    public var inspectionData: JSONObject?

    /// The response body of the TestState action.
    public var response: JSON {
        var body = JSONObject()
        if let output { body["output"] = .string(output.serialized) }
        if let error { body["error"] = .string(error) }
        if let cause { body["cause"] = .string(cause) }
        if let inspectionData { body["inspectionData"] = .object(inspectionData) }
        if let nextState { body["nextState"] = .string(nextState) }
        body["status"] = .string(status.rawValue)
        return .object(body)
    }
}

extension StateTest {
    /// The name of the state machine TestState pretends to run (`$$.StateMachine.Name`).
    public static let stateMachineName = "TestStateMachine"

    /// Runs the state once.
    /// - Parameter now: the time the state is entered (`$$.State.EnteredTime`, `$$.Execution.StartTime`).
    /// - Returns: the result, with the inspection data the level asks for.
    /// - Throws: `StateTestError` for a request TestState refuses (see ``validate()``).
    public func run(at now: Date) throws(StateTestError) -> StateTestResult {
        try validate()
        var machine = definition
        machine.startAt = stateName
        let executionName = UUID().uuidString.lowercased()
        let start = ExecutionStart(
            input: input,
            executionArn: "arn:aws:states:\(region):\(account):express:\(Self.stateMachineName):\(executionName)",
            executionName: executionName,
            stateMachineArn: "arn:aws:states:\(region):\(account):stateMachine:\(Self.stateMachineName)",
            stateMachineName: Self.stateMachineName, roleArn: roleArn, startDate: now)
        var probe = StateProbe()
        probe.context = context
        probe.retrierRetryCount = retrierRetryCount
        probe.variables = variables
        switch mock {
        case .result(let result)?: probe.mock = .result(result)
        case .error(let error, let cause)?: probe.mock = .error(.reported(error: error, cause: cause))
        case nil: break
        }
        var run = InterpreterRun(
            definition: machine, configuration: InterpreterConfiguration(region: region), state: ExecutionState(),
            random: SystemRandomNumberGenerator(), now: now)
        run.probe = probe
        run.begin(start)
        if let variables { run.state.frames[.root]?.variables = JSONText(.object(variables)) }
        run.drain()
        // What the state waits for happens at once: a Wait state's timer fires (TestState does not wait), a task
        // answers with the mock.
        for action in run.actions {
            switch action {
            case .startTimer(let timer) where timer.purpose == .wait && run.state.timers[timer.timerId] == .root:
                try Self.deliver(.timerFired(timer.timerId, at: now), to: &run)
            case .scheduleTask(let schedule) where schedule.scope == .root:
                switch mock {
                case .result(let result)?:
                    try Self.deliver(.taskSucceeded(schedule.taskId, output: result, at: now), to: &run)
                case .error(let error, let cause)?:
                    try Self.deliver(.taskFailed(schedule.taskId, error: error, cause: cause, at: now), to: &run)
                case nil: break
                }
            default: break
            }
        }
        return result(of: run)
    }

    private static func deliver<Random>(_ event: ExecutionEvent, to run: inout InterpreterRun<Random>)
        throws(StateTestError)
    {
        do {
            try run.handle(event)
        } catch {
            throw StateTestError(.validation, "TestState could not complete the state: \(error.message)")
        }
    }

    /// Reads the status, output and inspection data off the finished run.
    private func result<Random>(of run: InterpreterRun<Random>) -> StateTestResult {
        let probe = run.probe ?? StateProbe()
        let outcome = run.actions.lazy.compactMap { action -> ExecutionOutcome? in
            if case .finish(let outcome) = action { outcome } else { nil }
        }.first
        var result: StateTestResult
        if case .backoff? = run.state.frames[.root]?.active?.step {
            result = StateTestResult(status: .retriable)
            result.error = probe.error.flatMap { $0.hasError ? $0.error : nil }
            result.cause = probe.error.flatMap { $0.hasCause ? $0.cause : nil }
        } else if let transition = probe.transition {
            result = StateTestResult(status: probe.catchIndex == nil ? .succeeded : .caughtError)
            result.output = transition.output
            result.nextState = transition.next
            if probe.catchIndex != nil {
                result.error = probe.error.flatMap { $0.hasError ? $0.error : nil }
                result.cause = probe.error.flatMap { $0.hasCause ? $0.cause : nil }
            }
        } else {
            switch outcome {
            case .succeeded(let output)?:
                result = StateTestResult(status: .succeeded)
                result.output = output
            case .failed(let error, let cause)?, .timedOut(let error, let cause)?, .aborted(let error, let cause)?:
                result = StateTestResult(status: .failed)
                result.error = error
                result.cause = cause
            case nil:
                result = StateTestResult(status: .failed)
                result.error = StatesError.Name.runtime
                result.cause = "The state '\(stateName)' did not finish in TestState."
            }
        }
        if inspectionLevel != .info { result.inspectionData = inspection(probe, status: result.status) }
        return result
    }

    /// AWS's inspectionData from what the probe saw: each data step as JSON text, then errorDetails and the Map
    /// settings.
    private func inspection(_ probe: StateProbe, status: StateTestResult.Status) -> JSONObject {
        var data = JSONObject()
        data["input"] = .string(input.serialized)
        let steps: [(String, JSON?)] = [
            ("afterInputPath", probe.afterInputPath), ("afterParameters", probe.afterParameters),
            ("afterArguments", probe.afterArguments), ("afterItemsPath", probe.afterItemsPath),
            ("result", probe.result), ("afterResultSelector", probe.afterResultSelector),
            ("afterResultPath", probe.afterResultPath),
        ]
        for case (let name, let value?) in steps { data[name] = .string(value.serialized) }
        if let variables = probe.variables, !variables.isEmpty {
            data["variables"] = .string(JSON.object(variables).serialized)
        }
        var details = JSONObject()
        if let index = probe.catchIndex, status == .caughtError { details["catchIndex"] = .integer(Int64(index)) }
        if let index = probe.retryIndex { details["retryIndex"] = .integer(Int64(index)) }
        if let backoff = probe.retryBackoffSeconds, status == .retriable {
            details["retryBackoffIntervalSeconds"] = .integer(Int64(backoff.rounded()))
        }
        if !details.isEmpty { data["errorDetails"] = .object(details) }
        if let limit = probe.maxConcurrency { data["maxConcurrency"] = .integer(Int64(limit)) }
        if let count = probe.toleratedFailureCount { data["toleratedFailureCount"] = .integer(Int64(count)) }
        if let percentage = probe.toleratedFailurePercentage {
            data["toleratedFailurePercentage"] = .number(percentage)
        }
        return data
    }
}

extension StateTestResult {
    init(status: Status) {
        self.status = status
    }
}
