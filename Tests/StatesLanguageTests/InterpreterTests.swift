import BatonJSON
import Foundation
import Testing

@testable import StatesLanguage

@Suite struct InterpreterTests {
    static let callbackTask = """
        {"StartAt":"Work","States":{"Work":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters":{"QueueUrl":"https://sqs/q","MessageBody":{"token.$":"$$.Task.Token","n.$":"$.n"}},
        "TimeoutSeconds":30,"HeartbeatSeconds":10,"ResultPath":"$.result","End":true}}}
        """

    @Test func passStatesRunToSuccessInOneEvent() throws {
        var driver = try InterpreterDriver(
            """
            {"StartAt":"A","States":{
              "A":{"Type":"Pass","Result":{"x":1},"ResultPath":"$.a","Next":"B"},
              "B":{"Type":"Pass","Parameters":{"copy.$":"$.a.x","name.$":"$$.State.Name"},"OutputPath":"$","End":true}}}
            """)
        try driver.start(["in": true])
        #expect(
            driver.types == [
                "ExecutionStarted", "PassStateEntered", "PassStateExited", "PassStateEntered", "PassStateExited",
                "ExecutionSucceeded",
            ])
        #expect(driver.outcome == .succeeded(output: ["copy": 1, "name": "B"]))
        #expect(driver.history.map(\.previousEventId) == [0, 0, 2, 3, 4, 5])
        #expect(driver.interpreter.isFinished)
    }

    @Test func taskIsScheduledWithResolvedParametersTokenAndDeadlines() throws {
        var driver = try InterpreterDriver(Self.callbackTask)
        try driver.start(["n": 5])
        let task = driver.lastTask
        #expect(task.attempt == 0)
        #expect(task.stateName == "Work")
        #expect(task.scope == .root)
        #expect(task.resource == "arn:aws:states:::sqs:sendMessage.waitForTaskToken")
        #expect(task.timeoutSeconds == 30 && task.heartbeatSeconds == 10)
        #expect(task.parameters["MessageBody"]?["token"] == .string(task.taskToken))
        #expect(task.parameters["MessageBody"]?["n"] == 5)
        #expect(driver.types == ["ExecutionStarted", "TaskStateEntered", "TaskScheduled"])
        guard case .task(let details) = driver.history[2].details else {
            Issue.record("TaskScheduled has task details")
            return
        }
        #expect(details.resourceType == "sqs" && details.resource == "sendMessage.waitForTaskToken")
        #expect(details.region == "us-east-1" && details.timeoutInSeconds == 30 && details.heartbeatInSeconds == 10)

        try driver.send(.taskStarted(task.taskId, at: driver.now))
        try driver.send(.taskSubmitted(task.taskId, output: ["MessageId": "m1"], at: driver.now))
        try driver.succeed(task.taskId, ["ok": true])
        #expect(
            driver.types.suffix(5) == [
                "TaskStarted", "TaskSubmitted", "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded",
            ])
        #expect(driver.outcome == .succeeded(output: ["n": 5, "result": ["ok": true]]))
        #expect(driver.closedTasks == [task.taskId])
    }

    @Test func timeoutAndHeartbeatPathsAreResolvedFromTheInput() throws {
        var driver = try InterpreterDriver(
            """
            {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
            "TimeoutSecondsPath":"$.limits.timeout","HeartbeatSecondsPath":"$.limits.beat","End":true}}}
            """)
        try driver.start(["limits": ["timeout": 120, "beat": 15]])
        #expect(driver.lastTask.timeoutSeconds == 120 && driver.lastTask.heartbeatSeconds == 15)
    }

    @Test func retryWaitsForTheBackoffTimerThenSchedulesANewAttempt() throws {
        var driver = try InterpreterDriver(
            """
            {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
            "Retry":[{"ErrorEquals":["Busy"],"IntervalSeconds":2,"BackoffRate":3,"MaxAttempts":2}],"End":true}}}
            """)
        try driver.start()
        let first = driver.lastTask
        try driver.fail(first.taskId, "Busy", "try later")
        #expect(driver.scheduled.count == 1)
        let backoff = try #require(driver.timers.values.first)
        #expect(backoff.purpose == .retryBackoff)
        #expect(backoff.fireAt == driver.now.addingTimeInterval(2))
        try driver.advance(2)
        let second = driver.lastTask
        #expect(second.attempt == 1 && second.taskId != first.taskId)
        #expect(throws: InterpreterRejection.self) { try driver.succeed(first.taskId) }
        try driver.fail(second.taskId, "Busy")
        #expect(driver.timers.values.first?.fireAt == driver.now.addingTimeInterval(6))
        try driver.advance(6)
        #expect(driver.lastTask.attempt == 2)
        try driver.fail(driver.lastTask.taskId, "Busy", "still")
        #expect(driver.outcome == .failed(error: "Busy", cause: "still"))
        #expect(
            driver.types == [
                "ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskFailed", "TaskScheduled", "TaskFailed",
                "TaskScheduled", "TaskFailed", "ExecutionFailed",
            ])
    }

    @Test func fullJitterDrawsTheDelayFromTheInjectedRandomSource() throws {
        let text = """
            {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
            "Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":100,"JitterStrategy":"FULL"}],"End":true}}}
            """
        var delays: [TimeInterval] = []
        for _ in 0..<2 {
            var driver = try InterpreterDriver(text)
            try driver.start()
            try driver.fail(driver.lastTask.taskId, "X")
            let timer = try #require(driver.timers.values.first)
            delays.append(timer.fireAt.timeIntervalSince(driver.now))
        }
        #expect(delays[0] == delays[1], "same seed, same jitter")
        #expect(delays[0] >= 0 && delays[0] <= 100)
    }

    @Test(arguments: [
        // A missed heartbeat is States.Timeout, as AWS records it: the States.Timeout catcher takes it.
        ("timeout", "States.Timeout"), ("heartbeat", "States.Timeout"), ("failed", "States.TaskFailed"),
    ])
    func catchRoutesTimeoutsAndFailuresToTheirHandlers(kind: String, expected: String) throws {
        var driver = try InterpreterDriver(
            """
            {"StartAt":"T","States":{
              "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","TimeoutSeconds":5,
                   "Catch":[{"ErrorEquals":["States.Timeout"],"Next":"TimedOut","ResultPath":"$.error"},
                            {"ErrorEquals":["States.TaskFailed"],"Next":"Failed","ResultPath":"$.error"}],"End":true},
              "TimedOut":{"Type":"Pass","End":true},
              "Failed":{"Type":"Pass","End":true}}}
            """)
        try driver.start(["a": 1])
        let id = driver.lastTask.taskId
        switch kind {
        case "timeout": try driver.send(.taskTimedOut(id, at: driver.now))
        case "heartbeat": try driver.send(.heartbeatTimedOut(id, at: driver.now))
        default: try driver.fail(id, "Boom", "bad")
        }
        let handler = kind == "failed" ? "Failed" : "TimedOut"
        let error = try #require(
            driver.outcome.flatMap { outcome -> JSON? in
                if case .succeeded(let output) = outcome { return output["error"] }
                return nil
            })
        #expect(error["Error"] == .string(kind == "failed" ? "Boom" : expected))
        let entered = driver.history.compactMap { event -> String? in
            if case .stateEntered(let details) = event.details { return details.name }
            return nil
        }
        #expect(entered == ["T", handler])
        #expect(driver.types.contains(kind == "failed" ? "TaskFailed" : "TaskTimedOut"))
        #expect(driver.types.contains("TaskStateExited"))
    }

    @Test func choiceFollowsTheMatchingRuleOrDefaultOrFails() throws {
        let text = """
            {"StartAt":"C","States":{
              "C":{"Type":"Choice","Choices":[{"Variable":"$.v","NumericGreaterThan":10,"Next":"Big"}],"Default":"Small"},
              "Big":{"Type":"Succeed"},"Small":{"Type":"Fail","Error":"TooSmall","Cause":"v <= 10"}}}
            """
        var big = try InterpreterDriver(text)
        try big.start(["v": 11])
        #expect(
            big.types == [
                "ExecutionStarted", "ChoiceStateEntered", "ChoiceStateExited", "SucceedStateEntered",
                "SucceedStateExited", "ExecutionSucceeded",
            ])
        var small = try InterpreterDriver(text)
        try small.start(["v": 1])
        #expect(small.types.suffix(2) == ["FailStateEntered", "ExecutionFailed"])
        #expect(small.outcome == .failed(error: "TooSmall", cause: "v <= 10"))

        var noMatch = try InterpreterDriver(
            """
            {"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.v","IsPresent":true,"Next":"E"}]},
            "E":{"Type":"Succeed"}}}
            """)
        try noMatch.start([:])
        #expect(noMatch.outcome == .failed(error: "States.NoChoiceMatched", cause: "No Matches!"))
    }

    @Test func failStateTakesErrorAndCauseFromPaths() throws {
        var driver = try InterpreterDriver(
            """
            {"StartAt":"F","States":{"F":{"Type":"Fail","ErrorPath":"$.e","CausePath":"$.c"}}}
            """)
        try driver.start(["e": "Custom", "c": "because"])
        #expect(driver.outcome == .failed(error: "Custom", cause: "because"))
    }

    @Test(arguments: [
        (#""Seconds":5"#, [String: JSON](), 5.0),
        (#""SecondsPath":"$.s""#, ["s": JSON.integer(7)], 7.0),
        (#""Timestamp":"2023-11-14T22:13:40Z""#, [:], 20.0),
        (#""TimestampPath":"$.t""#, ["t": JSON.string("2023-11-14T22:13:40.500Z")], 20.5),
    ])
    func waitArmsATimerAndExitsWhenItFires(field: String, input: [String: JSON], seconds: Double) throws {
        var driver = try InterpreterDriver(
            #"{"StartAt":"W","States":{"W":{"Type":"Wait",\#(field),"Next":"Done"},"Done":{"Type":"Succeed"}}}"#)
        try driver.start(.object(JSONObject(input.map { ($0.key, $0.value) })))
        let timer = try #require(driver.timers.values.first)
        #expect(timer.purpose == .wait)
        #expect(timer.fireAt == InterpreterDriver.epoch.addingTimeInterval(seconds))
        #expect(driver.types == ["ExecutionStarted", "WaitStateEntered"])
        try driver.advance(max(seconds, 0))
        #expect(
            driver.types.suffix(4) == [
                "WaitStateExited", "SucceedStateEntered", "SucceedStateExited",
                "ExecutionSucceeded",
            ])
    }

    @Test func lateAndUnknownEventsAreRejectedWithoutChangingState() throws {
        var driver = try InterpreterDriver(Self.callbackTask)
        try driver.start(["n": 1])
        let id = driver.lastTask.taskId
        let before = driver.interpreter.state
        #expect(throws: InterpreterRejection.self) { try driver.succeed(TaskID(rawValue: 99)) }
        #expect(throws: InterpreterRejection.self) {
            try driver.send(.timerFired(TimerID(rawValue: 42), at: driver.now))
        }
        #expect(driver.interpreter.state == before)
        try driver.succeed(id)
        do {
            try driver.succeed(id)
            Issue.record("a second callback must be rejected")
        } catch let rejection as InterpreterRejection {
            #expect(rejection.code == .executionNotRunning)
        }
    }

    @Test func aClosedTaskOfARunningExecutionIsRejectedAsNotOpen() throws {
        var driver = try InterpreterDriver(
            """
            {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
            "Retry":[{"ErrorEquals":["States.ALL"]}],"End":true}}}
            """)
        try driver.start()
        let first = driver.lastTask.taskId
        try driver.fail(first, "X")
        do {
            try driver.succeed(first)
            Issue.record("the failed attempt's task must be closed")
        } catch let rejection as InterpreterRejection {
            #expect(rejection.code == .taskNotOpen)
        }
    }

    @Test func stopAbortsTheExecutionAndClosesOpenTasks() throws {
        var driver = try InterpreterDriver(Self.callbackTask)
        try driver.start(["n": 1], timeoutSeconds: 600)
        let id = driver.lastTask.taskId
        try driver.send(.stopRequested(error: "Operator", cause: "manual stop", at: driver.now))
        #expect(driver.outcome == .aborted(error: "Operator", cause: "manual stop"))
        #expect(driver.closedTasks == [id])
        #expect(driver.timers.isEmpty, "the execution timeout timer is cancelled")
        #expect(driver.types.last == "ExecutionAborted")
        #expect(driver.interpreter.state.openTasks.isEmpty)
    }

    @Test func executionTimeoutEndsTheExecutionAsTimedOut() throws {
        var driver = try InterpreterDriver(
            """
            {"TimeoutSeconds":60,"StartAt":"T","States":{"T":{"Type":"Task",
            "Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters":{"QueueUrl":"q","MessageBody":{"t.$":"$$.Task.Token"}},"End":true}}}
            """)
        try driver.start()
        let id = driver.lastTask.taskId
        #expect(driver.timers.values.map(\.purpose) == [.executionTimeout])
        try driver.advance(60)
        #expect(driver.outcome == .timedOut(error: nil, cause: nil))
        #expect(driver.types.last == "ExecutionTimedOut")
        #expect(driver.closedTasks == [id])
    }

    @Test func oversizedStateOutputFailsWithDataLimitExceeded() throws {
        var driver = try InterpreterDriver(
            """
            {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
            "Catch":[{"ErrorEquals":["States.ALL"],"Next":"Never"}],"End":true},"Never":{"Type":"Succeed"}}}
            """)
        try driver.start()
        try driver.succeed(driver.lastTask.taskId, ["big": .string(String(repeating: "x", count: 300_000))])
        guard case .failed(let error, _) = driver.outcome else {
            Issue.record("expected failure, got \(String(describing: driver.outcome))")
            return
        }
        #expect(error == "States.DataLimitExceeded")
    }

    @Test func runtimePathErrorsFailTheExecutionEvenWithACatchAll() throws {
        var driver = try InterpreterDriver(
            """
            {"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"$.missing","End":true}}}
            """)
        try driver.start(["a": 1])
        guard case .failed(let error, let cause) = driver.outcome else {
            Issue.record("expected failure")
            return
        }
        #expect(error == "States.Runtime")
        #expect(cause?.contains("$.missing") == true)
        #expect(
            cause?.hasPrefix("An error occurred while executing the state 'P' (entered at the event id #2). ") == true)
    }

    @Test func infiniteLoopsStopAtTheHistoryQuota() throws {
        let definition = try StateMachineDefinition.parse(
            #"{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Next":"A"}}}"#)
        var interpreter = Interpreter(
            definition: definition, configuration: InterpreterConfiguration(maximumHistoryEvents: 100))
        var random = SeededRandom(seed: 1)
        let actions = try interpreter.handle(
            .started(
                ExecutionStart(
                    input: [:], executionArn: "e", executionName: "e", stateMachineArn: "s", stateMachineName: "s",
                    startDate: InterpreterDriver.epoch)), using: &random)
        #expect(
            actions.last
                == .finish(
                    .failed(
                        error: "States.Runtime",
                        cause:
                            "The execution reached the maximum number of history events (100).")))
    }
}
