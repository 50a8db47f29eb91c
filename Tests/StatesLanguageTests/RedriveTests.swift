import BatonJSON
import Foundation
import Testing

@testable import StatesLanguage

/// RedriveExecution in the interpreter: a stopped execution resumes in the states it stopped in, with new task
/// ids (so new tokens), finished branches and iterations keeping their outputs.
@Suite struct RedriveTests {
    static let task = """
        {"StartAt":"Prepare","States":{
          "Prepare":{"Type":"Pass","Result":{"prepared":true},"ResultPath":"$.prep","Next":"Work"},
          "Work":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Retry":[{"ErrorEquals":["Flaky"],"MaxAttempts":1,"IntervalSeconds":1}],
            "Parameters":{"QueueUrl":"q","MessageBody":{"t.$":"$$.Task.Token","redrives.$":"$$.Execution.RedriveCount"}},
            "ResultPath":"$.work","End":true}}}
        """

    @Test func aFailedTaskRunsAgainWithANewTokenAndTheStatesBeforeItAreNotRepeated() throws {
        var driver = try InterpreterDriver(Self.task)
        try driver.start(["n": 1])
        let first = driver.lastTask
        #expect(first.parameters["MessageBody"]?["redrives"] == 0)
        try driver.fail(first.taskId, "Flaky")
        try driver.advance(1)
        let retried = driver.lastTask
        try driver.fail(retried.taskId, "Flaky")
        #expect(driver.outcome == .failed(error: "Flaky", cause: nil))
        #expect(driver.interpreter.state.canRedrive)

        driver.outcome = nil
        try driver.send(.redriven(at: driver.now))
        #expect(driver.interpreter.state.status == .running)
        #expect(driver.interpreter.state.redriveCount == 1)
        let redriven = driver.lastTask
        #expect(redriven.taskId > retried.taskId && redriven.taskToken != retried.taskToken)
        #expect(redriven.taskToken != first.taskToken)
        #expect(redriven.attempt == 0, "the retry count starts again")
        #expect(redriven.parameters["MessageBody"]?["redrives"] == 1, "$$.Execution.RedriveCount")
        let redrivenEvent = try #require(driver.history.first { $0.type == .executionRedriven })
        #expect(redrivenEvent.details == .executionRedriven(ExecutionRedrivenEventDetails(redriveCount: 1)))
        #expect(redrivenEvent.json["executionRedrivenEventDetails"] == ["redriveCount": 1])
        // The old tokens stay refused; the Retry applies again from its first attempt.
        #expect(throws: InterpreterRejection.self) { try driver.succeed(retried.taskId) }
        try driver.fail(redriven.taskId, "Flaky")
        try driver.advance(1)
        try driver.succeed(driver.lastTask.taskId, ["ok": true])
        #expect(driver.outcome == .succeeded(output: ["n": 1, "prep": ["prepared": true], "work": ["ok": true]]))
        #expect(driver.types.filter { $0 == "PassStateEntered" }.count == 1, "Prepare is not run again")
        let tail = Array(driver.types.drop { $0 != "ExecutionRedriven" })
        #expect(tail.prefix(3) == ["ExecutionRedriven", "TaskStateEntered", "TaskScheduled"])
        let entered = driver.history.first { $0.id == redrivenEvent.id + 1 }
        #expect(entered?.previousEventId == redrivenEvent.id, "the resumed state chains from ExecutionRedriven")
        // A succeeded execution cannot be redriven.
        #expect(!driver.interpreter.state.canRedrive)
        #expect(throws: InterpreterRejection.self) { try driver.send(.redriven(at: driver.now)) }
    }

    @Test func aRunningExecutionIsNotRedriven() throws {
        var driver = try InterpreterDriver(Self.task)
        try driver.start()
        #expect(throws: InterpreterRejection.self) { try driver.send(.redriven(at: driver.now)) }
        #expect(driver.interpreter.state.redriveCount == 0)
    }

    @Test func aTimedOutExecutionResumesWithItsTimeoutRunningAgainInFull() throws {
        var driver = try InterpreterDriver(Self.task)
        try driver.start(timeoutSeconds: 30)
        let first = driver.lastTask
        try driver.advance(30)
        #expect(driver.outcome == .timedOut(error: nil, cause: nil))
        driver.now = driver.now.addingTimeInterval(100)
        driver.outcome = nil
        try driver.send(.redriven(at: driver.now))
        let timeout = try #require(driver.timers.values.first { $0.purpose == .executionTimeout })
        #expect(timeout.fireAt == driver.now.addingTimeInterval(30))
        #expect(driver.lastTask.taskId != first.taskId)
        try driver.succeed(driver.lastTask.taskId)
        #expect(driver.outcome != nil)
        if case .succeeded = driver.outcome {
        } else {
            Issue.record("expected success, got \(String(describing: driver.outcome))")
        }
    }

    @Test func anAbortedExecutionResumesInTheStateItWasStoppedIn() throws {
        var driver = try InterpreterDriver(Self.task)
        try driver.start()
        try driver.send(.stopRequested(error: "Outage", cause: nil, at: driver.now))
        #expect(driver.interpreter.state.status == .aborted)
        driver.outcome = nil
        try driver.send(.redriven(at: driver.now))
        try driver.succeed(driver.lastTask.taskId, "done")
        #expect(driver.outcome == .succeeded(output: ["prep": ["prepared": true], "work": "done"]))
    }

    @Test func aParallelRunsOnlyItsFailedBranchAgainAndKeepsTheOtherOutput() throws {
        var driver = try InterpreterDriver(
            """
            {"StartAt":"Fan","States":{"Fan":{"Type":"Parallel","End":true,"Branches":[
              {"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters":{"QueueUrl":"qa","MessageBody":{"t.$":"$$.Task.Token"}},"End":true}}},
              {"StartAt":"B0","States":{
                "B0":{"Type":"Pass","Result":"b0","ResultPath":"$.b0","Next":"B"},
                "B":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters":{"QueueUrl":"qb","MessageBody":{"t.$":"$$.Task.Token"}},"End":true}}},
              {"StartAt":"C","States":{"C":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters":{"QueueUrl":"qc","MessageBody":{"t.$":"$$.Task.Token"}},"End":true}}}]}}}
            """)
        try driver.start(["in": 1])
        let a = driver.scheduled[0], b = driver.scheduled[1], c = driver.scheduled[2]
        try driver.succeed(a.taskId, "first")
        try driver.send(.taskTimedOut(b.taskId, at: driver.now))
        #expect(driver.outcome == .failed(error: "States.Timeout", cause: nil))
        #expect(driver.closedTasks.contains(c.taskId), "branch C was aborted")

        driver.outcome = nil
        let before = driver.scheduled.count
        try driver.send(.redriven(at: driver.now))
        let again = Array(driver.scheduled[before...])
        #expect(
            again.map(\.stateName).sorted() == ["B", "C"], "the failed and the aborted branch run again, A does not")
        #expect(again.allSatisfy { $0.taskId > c.taskId })
        #expect(driver.types.filter { $0 == "PassStateEntered" }.count == 1, "B0 finished before B failed")
        for task in again { try driver.succeed(task.taskId, .string(task.stateName)) }
        #expect(driver.outcome == .succeeded(output: ["first", "B", "C"]))
        #expect(throws: InterpreterRejection.self) { try driver.succeed(b.taskId) }
    }

    @Test func aMapRunsOnlyItsFailedIterationsAgainAndStartsThoseNotStarted() throws {
        var driver = try InterpreterDriver(
            """
            {"StartAt":"Each","States":{"Each":{"Type":"Map","MaxConcurrency":2,
              "ItemProcessor":{"StartAt":"Work","States":{"Work":{"Type":"Task",
                "Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters":{"QueueUrl":"q","MessageBody":{"item.$":"$","t.$":"$$.Task.Token"}},"End":true}}},
              "End":true}}}
            """)
        try driver.start([10, 11, 12, 13])
        #expect(driver.scheduled.count == 2)
        let zero = driver.scheduled[0], one = driver.scheduled[1]
        try driver.succeed(zero.taskId, "r0")
        let two = driver.scheduled[2]
        try driver.fail(two.taskId, "Boom", "item 2")
        #expect(driver.outcome == .failed(error: "Boom", cause: "item 2"))

        driver.outcome = nil
        let before = driver.scheduled.count
        try driver.send(.redriven(at: driver.now))
        let again = Array(driver.scheduled[before...])
        #expect(again.map { $0.parameters["MessageBody"]?["item"] } == [11, 12], "1 was aborted, 2 failed; 0 is kept")
        try driver.succeed(again[1].taskId, "r2")
        let three = driver.lastTask
        #expect(three.parameters["MessageBody"]?["item"] == 13, "the item never started starts after the redrive")
        try driver.succeed(three.taskId, "r3")
        try driver.succeed(again[0].taskId, "r1")
        #expect(driver.outcome == .succeeded(output: ["r0", "r1", "r2", "r3"]))
        #expect(
            driver.scheduled.filter { $0.parameters["MessageBody"]?["item"] == 10 }.count == 1,
            "the finished iteration is not run again")
        #expect(throws: InterpreterRejection.self) { try driver.succeed(one.taskId) }
    }

    @Test func aFailStateFailsAgainWhenRedriven() throws {
        var driver = try InterpreterDriver(
            """
            {"StartAt":"P","States":{"P":{"Type":"Pass","Next":"F"},"F":{"Type":"Fail","Error":"Bad","Cause":"c"}}}
            """)
        try driver.start()
        #expect(driver.outcome == .failed(error: "Bad", cause: "c"))
        #expect(driver.interpreter.state.canRedrive)
        driver.outcome = nil
        try driver.send(.redriven(at: driver.now))
        #expect(driver.outcome == .failed(error: "Bad", cause: "c"))
        #expect(driver.types.suffix(3) == ["ExecutionRedriven", "FailStateEntered", "ExecutionFailed"])
        #expect(driver.interpreter.state.redriveCount == 1 && driver.interpreter.state.canRedrive)
    }
}
