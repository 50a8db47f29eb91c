import BatonJSON
import Foundation
import Testing

@testable import StatesLanguage

@Suite struct InterpreterBranchTests {
    static let parallel = """
        {"StartAt":"Fan","States":{
          "Fan":{"Type":"Parallel","ResultPath":"$.results","Next":"Done",
            "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"Recovered"}],
            "Branches":[
              {"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters":{"QueueUrl":"qa","MessageBody":{"t.$":"$$.Task.Token"}},"End":true}}},
              {"StartAt":"B","States":{"B":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters":{"QueueUrl":"qb","MessageBody":{"t.$":"$$.Task.Token"}},"End":true}}}]},
          "Done":{"Type":"Succeed"},
          "Recovered":{"Type":"Pass","End":true}}}
        """

    @Test func parallelWaitsForBothCallbackBranchesAndKeepsBranchOrder() throws {
        var driver = try InterpreterDriver(Self.parallel)
        try driver.start(["x": 1])
        #expect(driver.scheduled.count == 2)
        let a = driver.scheduled[0], b = driver.scheduled[1]
        #expect(a.scope == ScopePath.root.appending("Fan", 0) && b.scope == ScopePath.root.appending("Fan", 1))
        #expect(a.taskToken != b.taskToken)
        try driver.succeed(b.taskId, "second")
        #expect(driver.outcome == nil)
        try driver.succeed(a.taskId, "first")
        #expect(driver.outcome == .succeeded(output: ["x": 1, "results": ["first", "second"]]))
        #expect(
            driver.types == [
                "ExecutionStarted", "ParallelStateEntered", "ParallelStateStarted",
                "TaskStateEntered", "TaskScheduled", "TaskStateEntered", "TaskScheduled",
                "TaskSucceeded", "TaskStateExited", "TaskSucceeded", "TaskStateExited",
                "ParallelStateSucceeded", "ParallelStateExited", "SucceedStateEntered", "SucceedStateExited",
                "ExecutionSucceeded",
            ])
        // Each branch chains from ParallelStateStarted (id 3); the Parallel's end follows the latest branch event.
        let byId = Dictionary(uniqueKeysWithValues: driver.history.map { ($0.id, $0) })
        #expect(byId[4]?.previousEventId == 3 && byId[6]?.previousEventId == 3)
        #expect(byId[12]?.previousEventId == 11)
    }

    @Test func oneFailingBranchClosesTheOtherAndIsCaughtByTheParallel() throws {
        var driver = try InterpreterDriver(Self.parallel)
        try driver.start(["x": 1])
        let a = driver.scheduled[0], b = driver.scheduled[1]
        try driver.fail(a.taskId, "Rejected", "no")
        #expect(driver.closedTasks == [a.taskId, b.taskId])
        #expect(driver.outcome == .succeeded(output: ["x": 1, "error": ["Error": "Rejected", "Cause": "no"]]))
        #expect(driver.types.contains("ParallelStateFailed"))
        #expect(throws: InterpreterRejection.self) { try driver.succeed(b.taskId) }
    }

    @Test func uncaughtBranchFailureFailsTheExecutionWithTheBranchError() throws {
        var driver = try InterpreterDriver(
            """
            {"StartAt":"Fan","States":{"Fan":{"Type":"Parallel","End":true,"Branches":[
              {"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100,"End":true}}},
              {"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Nope","Cause":"branch 1"}}}]}}}
            """)
        try driver.start()
        #expect(driver.outcome == .failed(error: "Nope", cause: "branch 1"))
        #expect(driver.timers.isEmpty, "the other branch's Wait timer is cancelled")
        #expect(driver.types.suffix(3) == ["FailStateEntered", "ParallelStateFailed", "ExecutionFailed"])
    }

    static let map = """
        {"StartAt":"Each","States":{"Each":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":2,
          "ItemSelector":{"index.$":"$$.Map.Item.Index","value.$":"$$.Map.Item.Value","tag.$":"$.tag"},
          "ItemProcessor":{"StartAt":"Work","States":{"Work":{"Type":"Task",
            "Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters":{"FunctionName":"f","Payload":{"in.$":"$","token.$":"$$.Task.Token"}},"End":true}}},
          "End":true}}}
        """

    @Test func mapRunsAtMostMaxConcurrencyIterationsAndCollectsResultsInItemOrder() throws {
        var driver = try InterpreterDriver(Self.map)
        try driver.start(["items": ["a", "b", "c", "d", "e"], "tag": "T"])
        #expect(driver.scheduled.count == 2)
        #expect(driver.scheduled[0].parameters["Payload"]?["in"] == ["index": 0, "value": "a", "tag": "T"])
        #expect(driver.scheduled[1].scope == ScopePath.root.appending("Each", 1))
        var finished = 0
        while driver.outcome == nil {
            let open = driver.openTasks
            #expect(open.count <= 2)
            // Finish the newest open task first so results arrive out of item order.
            let id = try #require(open.last)
            let task = try #require(driver.scheduled.first { $0.taskId == id })
            let index = try #require(task.scope.steps.last?.index)
            try driver.succeed(id, .integer(Int64(index * 10)))
            finished += 1
        }
        #expect(finished == 5)
        #expect(driver.outcome == .succeeded(output: [0, 10, 20, 30, 40]))
        #expect(driver.types.filter { $0 == "MapIterationStarted" }.count == 5)
        #expect(driver.types.filter { $0 == "MapIterationSucceeded" }.count == 5)
        guard case .mapStateStarted(let started) = driver.history.first(where: { $0.type == .mapStateStarted })?.details
        else {
            Issue.record("MapStateStarted has its length")
            return
        }
        #expect(started.length == 5)
        #expect(driver.types.suffix(3) == ["MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"])
    }

    @Test func mapWithoutLimitStartsEveryIterationAndEmptyItemsSucceedAtOnce() throws {
        var driver = try InterpreterDriver(
            Self.map.replacingOccurrences(of: #""MaxConcurrency":2"#, with: #""MaxConcurrency":0"#))
        try driver.start(["items": [1, 2, 3, 4], "tag": "T"])
        #expect(driver.openTasks.count == 4)

        var empty = try InterpreterDriver(Self.map)
        try empty.start(["items": [], "tag": "T"])
        #expect(empty.outcome == .succeeded(output: []))
    }

    @Test func aFailedIterationAbortsTheOthersAndFailsTheMap() throws {
        var driver = try InterpreterDriver(Self.map)
        try driver.start(["items": [1, 2, 3], "tag": "T"])
        let first = driver.scheduled[0], second = driver.scheduled[1]
        try driver.fail(second.taskId, "Bad", "item 1")
        #expect(driver.outcome == .failed(error: "Bad", cause: "item 1"))
        #expect(driver.closedTasks == [second.taskId, first.taskId])
        // As AWS records a Map whose iteration failed while others waited on their tasks: the failed iteration,
        // its Task aborted, then each other started iteration (MaxConcurrency 2: one) aborted with its Task, then
        // the Map failed.
        let ending = driver.types.drop { $0 != "MapIterationFailed" }
        #expect(
            Array(ending) == [
                "MapIterationFailed", "TaskStateAborted", "MapIterationAborted", "TaskStateAborted", "MapStateFailed",
                "ExecutionFailed",
            ])
    }

    @Test func aFailedBranchAbortsTheTaskStatesTheOtherBranchesWaitIn() throws {
        var driver = try InterpreterDriver(
            """
            {"StartAt":"Fan","States":{"Fan":{"Type":"Parallel","End":true,"Branches":[
              {"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}},
              {"StartAt":"B","States":{"B":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}}]}}}
            """)
        try driver.start()
        try driver.fail(driver.scheduled[0].taskId, "Bad")
        // The failing branch's Task (as recorded on AWS inside a Parallel) and the other branch's waiting Task.
        #expect(
            Array(driver.types.drop { $0 != "TaskFailed" }) == [
                "TaskFailed", "TaskStateAborted", "TaskStateAborted", "ParallelStateFailed", "ExecutionFailed",
            ])
    }

    @Test func itemsPathThatIsNotAnArrayFailsWithRuntimeError() throws {
        var driver = try InterpreterDriver(Self.map)
        try driver.start(["items": "nope", "tag": "T"])
        guard case .failed(let error, _) = driver.outcome else {
            Issue.record("expected failure")
            return
        }
        #expect(error == "States.Runtime")
    }

    @Test func parallelRetryRestartsEveryBranchAfterTheBackoff() throws {
        var driver = try InterpreterDriver(
            """
            {"StartAt":"Fan","States":{"Fan":{"Type":"Parallel","End":true,
              "Retry":[{"ErrorEquals":["Flaky"],"IntervalSeconds":1,"MaxAttempts":1}],
              "Branches":[{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
                "End":true}}}]}}}
            """)
        try driver.start()
        try driver.fail(driver.lastTask.taskId, "Flaky")
        #expect(driver.scheduled.count == 1)
        try driver.advance(1)
        #expect(driver.scheduled.count == 2)
        try driver.succeed(driver.lastTask.taskId, 42)
        #expect(driver.outcome == .succeeded(output: [42]))
    }
}
