import BatonJSON
import Foundation

extension InterpreterRun {
    /// The active state of a frame failed: the first matching retrier with attempts left schedules a retry after
    /// its backoff; otherwise the first matching catcher moves on with the error output at its ResultPath;
    /// otherwise the frame fails.
    mutating func stateFailed(_ path: ScopePath, _ error: StatesError) {
        guard let active = state.frames[path]?.active, let definitionState = activeState(in: path) else {
            failFrame(path, error)
            return
        }
        let retriers = definitionState.retriers
        if path.isRoot { probe?.error = error }
        if let index = retriers.firstIndex(where: { $0.matches(error) }) {
            let retrier = retriers[index]
            var counts = active.retryCounts
            if counts.count < retriers.count { counts += Array(repeating: 0, count: retriers.count - counts.count) }
            if path.isRoot, let probe {
                // TestState's stateConfiguration.retrierRetryCount: the retries this retrier already made.
                if let done = probe.retrierRetryCount { counts[index] = done }
                self.probe?.retryIndex = index
            }
            if counts[index] < retrier.maxAttempts {
                discardRedriveCapture()
                counts[index] += 1
                var delay = retrier.backoff(forAttempt: counts[index])
                if retrier.jitterStrategy == .full { delay = Double.random(in: 0...delay, using: &random) }
                delay = min(delay, 99_999_999)
                if path.isRoot { probe?.retryBackoffSeconds = delay }
                let timer = startTimer(at: deadline(after: delay), purpose: .retryBackoff, for: path)
                state.frames[path]?.active?.retryCounts = counts
                state.frames[path]?.active?.step = .backoff(timer)
                return
            }
        }
        if let (index, catcher) = Catcher.match(error, in: definitionState.catchers) {
            if path.isRoot { probe?.catchIndex = index }
            discardRedriveCapture()
            if definitionState.queryLanguage == .jsonata {
                caught(error, by: catcher, in: definitionState, input: active.input.value, path: path)
                return
            }
            do throws(StatesError) {
                let errorOutput = Catcher.errorOutput(for: error)
                let output = try applyResultPath(catcher.resultPath, input: active.input.value, result: errorOutput)
                try assignJSONPath(
                    [catcher.assign], document: errorOutput, variables: variables(in: path), in: path)
                leave(definitionState, output: output, to: catcher.next, in: path)
            } catch {
                failFrame(path, error)
            }
            return
        }
        failFrame(path, error)
    }

    /// The state's own processing failed (a path, a template, an expression; not its task): the cause of a
    /// States.Runtime or States.QueryEvaluationError gets AWS's prefix naming the state and the id of its
    /// entered event, a States.QueryEvaluationError is recorded as `EvaluationFailed` (as AWS records it), and
    /// Retry/Catch apply.
    mutating func evaluationFailed(_ error: StatesError, in path: ScopePath) {
        guard [StatesError.Name.runtime, StatesError.Name.queryEvaluation].contains(error.error),
            let active = state.frames[path]?.active
        else {
            stateFailed(path, error)
            return
        }
        var located = error
        located.cause =
            "An error occurred while executing the state '\(active.name)' (entered at the event id "
            + "#\(active.enteredEventId)). " + error.cause
        if error.error == StatesError.Name.queryEvaluation {
            let details = EvaluationFailedEventDetails(
                error: located.error, cause: located.cause, location: located.location, state: active.name)
            record(.evaluationFailed, .evaluationFailed(details), in: path)
        }
        stateFailed(path, located)
    }

    /// A Retry backoff elapsed: run the state again (a new task, or the branches / iterations from the start).
    mutating func retry(in path: ScopePath) {
        guard let definitionState = activeState(in: path) else { return }
        state.frames[path]?.active?.step = .entering
        do throws(StatesError) {
            switch definitionState.kind {
            case .task: try scheduleTask(in: path)
            case .parallel: try startParallel(in: path)
            case .map: try startMap(in: path)
            default: break
            }
        } catch {
            evaluationFailed(error, in: path)
        }
    }

    /// A frame failed (unhandled error or a Fail state): the execution fails, or the enclosing Parallel / Map
    /// state fails with the same error after stopping its other branches / iterations.
    mutating func failFrame(_ path: ScopePath, _ error: StatesError) {
        guard isRunning else { return }
        captureRedrivePoint(failing: path)
        if path.isRoot {
            finishExecution(
                .failed(error: error.error.isEmpty ? nil : error.error, cause: error.cause.isEmpty ? nil : error.cause),
                type: .executionFailed)
            return
        }
        let parent = path.parent
        guard let step = path.steps.last, let parentFrame = state.frames[parent],
            let frame = state.frames[path], let composite = activeState(in: parent)
        else { return }
        var lastEventId = max(parentFrame.lastEventId, frame.lastEventId)
        // AWS records TaskStateAborted for every Task state a failing branch or iteration leaves waiting, its own
        // and its siblings' (a recorded Map whose iterations time out: MapIterationFailed, TaskStateAborted, then
        // MapIterationAborted and TaskStateAborted for each other iteration, MapStateFailed; a recorded
        // SendTaskFailure inside a Parallel: TaskFailed, TaskStateAborted, ParallelStateFailed).
        let siblings = state.frames.keys.filter { $0.parent == parent && $0 != path && !$0.isRoot }
            .sorted { ($0.steps.last?.index ?? 0) < ($1.steps.last?.index ?? 0) }
        if case .map = composite.kind {
            record(.mapIterationFailed, .mapIteration(.init(name: step.state, index: step.index)), in: path)
            recordTaskAborted(in: path)
            lastEventId = max(lastEventId, state.frames[path]?.lastEventId ?? 0)
            for other in siblings {
                guard let index = other.steps.last?.index else { continue }
                record(.mapIterationAborted, .mapIteration(.init(name: step.state, index: index)), in: other)
                recordTaskAborted(in: other)
                lastEventId = max(lastEventId, state.frames[other]?.lastEventId ?? 0)
            }
        } else {
            recordTaskAborted(in: path)
            for other in siblings {
                recordTaskAborted(in: other)
                lastEventId = max(lastEventId, state.frames[other]?.lastEventId ?? 0)
            }
        }
        // Stop the siblings (their open tasks are closed, timers cancelled) and drop every child frame.
        for child in state.frames.keys where child.parent == parent && !child.isRoot && child != parent {
            abandon(child)
        }
        removeFrames(below: parent)
        state.frames[parent]?.lastEventId = lastEventId
        state.frames[parent]?.active?.step = .entering
        if case .map = composite.kind {
            record(.mapStateFailed, in: parent)
        } else {
            record(.parallelStateFailed, in: parent)
        }
        stateFailed(parent, error)
    }

    /// Records TaskStateAborted when the frame's active state is a Task (waiting for its task or a retry).
    private mutating func recordTaskAborted(in path: ScopePath) {
        guard state.frames[path]?.active != nil, case .task? = activeState(in: path)?.kind else { return }
        record(.taskStateAborted, in: path)
    }

    /// A frame reached an End or a Succeed state: the execution succeeds, or the enclosing Parallel / Map state
    /// records the branch / iteration output and completes when all are done.
    mutating func frameSucceeded(_ path: ScopePath, output: JSON) {
        if path.isRoot {
            finishExecution(.succeeded(output: output), type: .executionSucceeded)
            return
        }
        let parent = path.parent
        guard let step = path.steps.last, let composite = activeState(in: parent) else { return }
        if case .map = composite.kind {
            record(.mapIterationSucceeded, .mapIteration(.init(name: step.state, index: step.index)), in: path)
        }
        let childLast = state.frames[path]?.lastEventId ?? 0
        state.frames[path] = nil
        if let parentLast = state.frames[parent]?.lastEventId {
            state.frames[parent]?.lastEventId = max(parentLast, childLast)
        }
        switch state.frames[parent]?.active?.step {
        case .parallel(var results):
            results[step.index] = JSONText(output)
            state.frames[parent]?.active?.step = .parallel(results)
            if results.allSatisfy({ $0 != nil }) {
                record(.parallelStateSucceeded, in: parent)
                completeState(parent, result: .array(results.map { $0!.value }))
            }
        case .map(var progress):
            progress.results[step.index] = JSONText(output)
            progress.running -= 1
            state.frames[parent]?.active?.step = .map(progress)
            if progress.isComplete {
                record(.mapStateSucceeded, in: parent)
                completeState(parent, result: .array(progress.results.map { $0!.value }))
            } else {
                startIterations(in: parent)
            }
        default: break
        }
    }
}

extension InterpreterRun {
    /// Leaves a state that a catcher caught an error in: no active state in the frame, its exited event with
    /// `output`, and on to the catcher's `Next`.
    mutating func leave(_ definitionState: State, output: JSON, to next: String, in path: ScopePath) {
        state.frames[path]?.active = nil
        if let type = HistoryEventType.exited(definitionState.kind) {
            record(type, .stateExited(.exited(definitionState.name, output: output)), in: path)
        }
        transition(to: next, output: output, in: path)
    }
}
