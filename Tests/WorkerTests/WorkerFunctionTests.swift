import BatonBroker
import BatonProtocol
import BatonTestSupport
import Foundation
import LocalProcesses
import Testing

/// worker-function as a separate process against the real broker; the test plays the orchestrator.
@Suite struct WorkerFunctionTests {
    func startWorker(
        _ double: OrchestratorDouble, _ arguments: [String] = [], extra: [String: String] = [:]
    ) throws -> ManagedProcess {
        try ManagedProcess(
            "worker-function", arguments: arguments, environment: try double.environment.merging(extra) { $1 })
    }

    @Test func requestResponseEchoAnswersSendTaskSuccessWithItsInput() async throws {
        try await withOrchestrator { double, processes in
            processes.append(try startWorker(double, ["--functions", "echo"]))
            try await double.publishTask(
                to: double.names.functionQueue("echo"), body: #"{"order":42,"items":["a"]}"#, token: "tok-echo",
                integration: "lambda")
            let callback = try #require(try await double.waitForCallbacks(1).first)
            #expect(callback.taskToken == "tok-echo")
            #expect(callback.outcome == .success(output: #"{"items":["a"],"order":42}"#))
        }
    }

    @Test func failFunctionAnswersSendTaskFailureWithErrorAndCause() async throws {
        try await withOrchestrator { double, processes in
            processes.append(try startWorker(double, ["--functions", "fail"]))
            try await double.publishTask(
                to: double.names.functionQueue("fail"), body: #"{"error":"OrderRejected","cause":"out of stock"}"#,
                token: "tok-fail", integration: "lambda")
            let callback = try #require(try await double.waitForCallbacks(1).first)
            #expect(
                callback
                    == Callback(taskToken: "tok-fail", outcome: .failure(error: "OrderRejected", cause: "out of stock"))
            )
        }
    }

    @Test func callbackFunctionAnswersWithTheTokenFromTheBody() async throws {
        try await withOrchestrator { double, processes in
            let queue = "\(double.names.prefix).orders"
            try await double.declare(queue)
            processes.append(try startWorker(double, ["--functions", "callback", "--queue", queue]))
            // The seed-1 shape: an SQS message body with the token where the definition put $$.Task.Token.
            try await double.publishTask(
                to: queue, body: #"{"MessageBody":{"order":7},"TaskToken":"tok-sqs"}"#,
                integration: "sqs.waitForTaskToken")
            try await double.publishTask(
                to: double.names.functionQueue("callback"), body: #"{"Payload":{"taskToken":"tok-lambda"}}"#,
                integration: "lambda.waitForTaskToken")
            let callbacks = try await double.waitForCallbacks(2)
            #expect(Set(callbacks.map(\.taskToken)) == ["tok-sqs", "tok-lambda"])
            let sqs = try #require(callbacks.first { $0.taskToken == "tok-sqs" })
            #expect(sqs.outputObject?["calledBack"] as? Bool == true)
            #expect(!(sqs.outcome == .heartbeat))
        }
    }

    @Test func failureRateOneAnswersTheConfiguredErrorName() async throws {
        try await withOrchestrator { double, processes in
            processes.append(
                try startWorker(
                    double, ["--functions", "echo", "--failure-rate", "1", "--failure-error", "Injected.Boom"]))
            try await double.publishTask(
                to: double.names.functionQueue("echo"), body: "{}", token: "tok-rate", integration: "lambda")
            let callback = try #require(try await double.waitForCallbacks(1).first)
            guard case .failure(let error, _) = callback.outcome else { Issue.record("expected a failure"); return }
            #expect(error == "Injected.Boom")
        }
    }

    @Test func neverCallBackAcksTheTaskAndSendsNothing() async throws {
        try await withOrchestrator { double, processes in
            let worker = try startWorker(
                double, ["--functions", "echo"], extra: ["BATON_WORKER_NEVER_CALLBACK_RATE": "1"])
            processes.append(worker)
            try await double.publishTask(
                to: double.names.functionQueue("echo"), body: "{}", token: "tok-never", integration: "lambda")
            try await worker.waitForLog("never calling back")
            try await waitUntil("the task to be acked") {
                try await double.bus.messageCount(double.names.functionQueue("echo")) == 0
            }
            #expect(double.callbacks.isEmpty)
        }
    }

    @Test func duplicateRateOneSendsTwoCallbacksAndLogsTheRejection() async throws {
        try await withOrchestrator(replies: { index, _ in
            index == 0 ? .accepted : .rejected("TaskTimedOut", "task already closed")
        }) { double, processes in
            let worker = try startWorker(double, ["--functions", "echo", "--knob", "echo.duplicate-rate=1"])
            processes.append(worker)
            try await double.publishTask(
                to: double.names.functionQueue("echo"), body: #"{"n":1}"#, token: "tok-dup", integration: "lambda")
            let callbacks = try await double.waitForCallbacks(2)
            #expect(callbacks.map(\.taskToken) == ["tok-dup", "tok-dup"])
            try await worker.waitForLog("error.type=TaskTimedOut")
        }
    }

    @Test func crashBeforeCallbackExitsAndTheTaskIsRedeliveredToAnotherWorker() async throws {
        try await withOrchestrator { double, processes in
            let doomed = try startWorker(double, ["--functions", "echo", "--crash-rate", "1"])
            processes.append(doomed)
            try await double.publishTask(
                to: double.names.functionQueue("echo"), body: #"{"n":2}"#, token: "tok-crash", integration: "lambda")
            try await doomed.waitForExit(deadline: .seconds(20))
            #expect(doomed.exitStatus == SIGKILL)
            #expect(double.callbacks.isEmpty)
            processes.append(try startWorker(double, ["--functions", "echo"]))
            let callback = try #require(try await double.waitForCallbacks(1).first)
            #expect(callback == Callback(taskToken: "tok-crash", outcome: .success(output: #"{"n":2}"#)))
        }
    }

    @Test func scriptFileDecidesEachStateAndAttempt() async throws {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("script-\(UUID().uuidString).json")
        try Data(
            #"""
            {"States": {"Charge": {
              "0": {"Throw": {"Error": "PaymentDeclined", "Cause": "card expired"}},
              "1": {"Return": {"charged": true}},
              "2-5": {"NoCallback": true}}}}
            """#.utf8
        ).write(to: script)
        defer { try? FileManager.default.removeItem(at: script) }
        try await withOrchestrator { double, processes in
            let worker = try startWorker(double, ["--functions", "echo", "--script", script.path])
            processes.append(worker)
            let queue = double.names.functionQueue("echo")
            try await double.publishTask(
                to: queue, body: "{}", token: "t0", integration: "lambda", state: "Charge", attempt: 0)
            try await double.publishTask(
                to: queue, body: "{}", token: "t1", integration: "lambda", state: "Charge", attempt: 1)
            try await double.publishTask(
                to: queue, body: "{}", token: "t2", integration: "lambda", state: "Charge", attempt: 2)
            try await double.publishTask(
                to: queue, body: #"{"x":1}"#, token: "t9", integration: "lambda", state: "Other")
            let callbacks = try await double.waitForCallbacks(3)
            try await worker.waitForLog("never calling back")
            let byToken = Dictionary(uniqueKeysWithValues: callbacks.map { ($0.taskToken, $0.outcome) })
            #expect(byToken["t0"] == .failure(error: "PaymentDeclined", cause: "card expired"))
            #expect(byToken["t1"] == .success(output: #"{"charged":true}"#))
            #expect(byToken["t2"] == nil)
            #expect(byToken["t9"] == .success(output: #"{"x":1}"#))
        }
    }
}
