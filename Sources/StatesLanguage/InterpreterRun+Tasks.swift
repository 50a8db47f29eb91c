import BatonJSON
import Foundation

extension InterpreterRun {
    /// Schedules the active Task state's task for its current attempt: InputPath → Parameters (with the context
    /// object and this attempt's token) → `TaskScheduled` + `.scheduleTask`.
    mutating func scheduleTask(in path: ScopePath) throws(StatesError) {
        guard let active = state.frames[path]?.active, let taskState = activeState(in: path),
            case .task(let task) = taskState.kind, let start = state.start
        else { return }
        let visible = variables(in: path)
        let effective = try selectInput(taskState.io.inputPath, from: active.input.value, variables: visible)
        let taskId = nextTaskId()
        let token = configuration.taskToken(
            .init(executionArn: start.executionArn, taskId: taskId, attempt: active.attempt, stateName: active.name))
        var parameters = effective
        if taskState.queryLanguage == .jsonata {
            if let arguments = taskState.io.arguments {
                let states = statesBinding(input: effective, in: path, taskToken: token)
                parameters = try evaluateField(arguments, states: states, field: "Arguments", in: path)
            }
        } else if let template = taskState.io.parameters {
            parameters = try render(
                template, input: effective, context: context(in: path, taskToken: token), variables: visible)
        }
        let timeout = try task.timeout.map { setting throws(StatesError) in
            try resolveSeconds(setting, field: "TimeoutSeconds", in: effective, variables: visible, path: path)
        }
        let heartbeat = try task.heartbeat.map { setting throws(StatesError) in
            try resolveSeconds(setting, field: "HeartbeatSeconds", in: effective, variables: visible, path: path)
        }
        if path.isRoot, probe != nil {
            probe?.observeTask(
                effective: effective, parameters: parameters, isJSONata: taskState.queryLanguage == .jsonata,
                templated: taskState.io.parameters != nil || taskState.io.arguments != nil)
        }
        if ActivityEventDetails.isActivity(task.resource) {
            // An activity that does not exist fails the state as AWS does: States.Runtime, nothing scheduled.
            guard configuration.activityExists(task.resource) else {
                throw StatesError(StatesError.Name.runtime, cause: "The activity \(task.resource) does not exist.")
            }
            let details = ActivityEventDetails(
                resource: task.resource, input: parameters.serialized, inputDetails: DataTruncation(),
                timeoutInSeconds: timeout, heartbeatInSeconds: heartbeat)
            record(.activityScheduled, .activity(details), in: path)
            state.frames[path]?.active?.activityStarted = nil
        } else {
            let split = TaskEventDetails.split(resource: task.resource)
            let details = TaskEventDetails(
                resourceType: split.resourceType, resource: split.resource, region: configuration.region,
                parameters: parameters.serialized, timeoutInSeconds: timeout, heartbeatInSeconds: heartbeat)
            record(.taskScheduled, .task(details), in: path)
        }
        state.tasks[taskId] = path
        state.frames[path]?.active?.step = .task(taskId)
        actions.append(
            .scheduleTask(
                TaskSchedule(
                    taskId: taskId, attempt: active.attempt, stateName: active.name, scope: path,
                    resource: task.resource, parameters: parameters, taskToken: token,
                    timeoutSeconds: timeout, heartbeatSeconds: heartbeat)))
    }

    /// TimeoutSeconds/HeartbeatSeconds: literal, a path into the effective input selecting a positive integer, or
    /// (JSONata) an expression giving one.
    mutating func resolveSeconds(
        _ setting: SecondsSetting, field: String, in input: JSON, variables: [String: JSON], path scope: ScopePath
    ) throws(StatesError) -> Int {
        switch setting {
        case .seconds(let seconds): return seconds
        case .expression(let text):
            let value = try evaluateField(
                .string(text), states: statesBinding(input: input, in: scope), field: field, in: scope)
            guard let number = value.doubleValue, number >= 1, number == number.rounded(), number <= 99_999_999 else {
                throw StatesError(
                    StatesError.Name.queryEvaluation,
                    cause: "The field '\(field)' must evaluate to a positive integer; it gave \(value.serialized).")
            }
            return Int(number)
        case .path(let path):
            let field = field + "Path"
            let value = try value(at: path, in: input, variables: variables)
            guard let number = value.doubleValue, number >= 1, number == number.rounded(), number <= 99_999_999 else {
                throw StatesError(
                    StatesError.Name.runtime,
                    cause: "The \(field) parameter does not reference a valid positive integer: \(path)")
            }
            return Int(number)
        }
    }

    /// The open task's scope and resource, or a rejection.
    func openTask(_ id: TaskID) throws(InterpreterRejection) -> (path: ScopePath, details: TaskEventDetails) {
        guard let path = state.tasks[id], let taskState = activeState(in: path), case .task(let task) = taskState.kind
        else {
            throw InterpreterRejection(.taskNotOpen, message: "task \(id.rawValue) is not open")
        }
        let split = TaskEventDetails.split(resource: task.resource)
        return (path, TaskEventDetails(resourceType: split.resourceType, resource: split.resource))
    }

    mutating func taskStarted(_ id: TaskID) throws(InterpreterRejection) {
        let (path, details) = try openTask(id)
        record(.taskStarted, .task(details), in: path)
    }

    /// A poller received the activity task: `ActivityStarted` with its worker name, once per attempt (a task
    /// handed out again after the orchestrator lost the first answer records nothing new).
    mutating func activityStarted(_ id: TaskID, workerName: String?) throws(InterpreterRejection) {
        let (path, _) = try openTask(id)
        guard state.frames[path]?.active?.activityStarted != true else { return }
        state.frames[path]?.active?.activityStarted = true
        record(.activityStarted, .activity(ActivityEventDetails(workerName: workerName)), in: path)
    }

    /// Whether the open task at `path` is an activity's.
    func isActivityTask(at path: ScopePath) -> Bool {
        guard let taskState = activeState(in: path), case .task(let task) = taskState.kind else { return false }
        return ActivityEventDetails.isActivity(task.resource)
    }

    mutating func taskSubmitted(_ id: TaskID, output: JSON) throws(InterpreterRejection) {
        var (path, details) = try openTask(id)
        details.output = output.serialized
        details.outputDetails = DataTruncation()
        record(.taskSubmitted, .task(details), in: path)
    }

    mutating func taskSucceeded(_ id: TaskID, output: JSON) throws(InterpreterRejection) {
        var (path, details) = try openTask(id)
        state.tasks[id] = nil
        actions.append(.closeTask(id))
        details.output = output.serialized
        details.outputDetails = DataTruncation()
        if isActivityTask(at: path) {
            let activity = ActivityEventDetails(output: details.output, outputDetails: DataTruncation())
            record(.activitySucceeded, .activity(activity), in: path)
        } else {
            record(.taskSucceeded, .task(details), in: path)
        }
        if output.serializedByteCount > maximumPayloadBytes, let name = state.frames[path]?.active?.name {
            let cause =
                "The state/task '\(name)' returned a result with a size exceeding the maximum number of bytes "
                + "service limit."
            stateFailed(path, StatesError(StatesError.Name.dataLimitExceeded, cause: cause))
            return
        }
        completeState(path, result: output)
    }

    /// A task failed, timed out or missed its heartbeat: records `TaskFailed`/`TaskTimedOut`, then Retry/Catch.
    mutating func taskFailed(_ id: TaskID, error: StatesError, type: HistoryEventType) throws(InterpreterRejection) {
        var (path, details) = try openTask(id)
        state.tasks[id] = nil
        actions.append(.closeTask(id))
        details.error = error.hasError ? error.error : nil
        details.cause = type == .taskTimedOut || !error.hasCause ? nil : error.cause
        if isActivityTask(at: path) {
            let activity = ActivityEventDetails(error: details.error, cause: details.cause)
            record(type == .taskTimedOut ? .activityTimedOut : .activityFailed, .activity(activity), in: path)
        } else {
            record(type, .task(details), in: path)
        }
        stateFailed(path, error)
    }

    /// A Task, Parallel or Map state has its result: Assign (`$` is the raw result) → ResultSelector → ResultPath →
    /// OutputPath, then exit.
    mutating func completeState(_ path: ScopePath, result: JSON) {
        guard let active = state.frames[path]?.active, let definitionState = activeState(in: path) else { return }
        do throws(StatesError) {
            if definitionState.queryLanguage == .jsonata {
                if path.isRoot { probe?.result = result }
                let states = statesBinding(input: active.input.value, in: path, result: result)
                let output = try jsonataOutput(definitionState, states: states, default: result, in: path)
                try assign([definitionState.io.assign], states: states, in: path)
                exit(definitionState, output: output, in: path)
                return
            }
            let visible = variables(in: path)
            var selected = result
            if let selector = definitionState.io.resultSelector {
                selected = try render(selector, input: result, context: context(in: path), variables: visible)
            }
            let output = try applyResultPath(definitionState.io.resultPath, input: active.input.value, result: selected)
            let filtered = try selectOutput(definitionState.io.outputPath, from: output, variables: visible)
            try assignJSONPath([definitionState.io.assign], document: result, variables: visible, in: path)
            if path.isRoot, probe != nil {
                probe?.result = result
                probe?.afterResultSelector = selected
                probe?.afterResultPath = output
            }
            exit(definitionState, output: filtered, in: path)
        } catch {
            evaluationFailed(error, in: path)
        }
    }
}
