import BatonBroker
import BatonJSON
import BatonProtocol
import BatonTestSupport
import ChaosLab
import Foundation
import LocalProcesses
import StatesLanguage
import Testing

/// JSON views of BatonProtocol's shared command helpers (`BatonClient+Executions.swift`: createStateMachine,
/// startExecution, status, historyTypes, succeed, fail, heartbeat), for `#expect`s on fields.
extension BatonClient {
    /// DescribeExecution.
    func describe(_ execution: String) async throws -> JSON {
        try JSON(parsing: try await describeExecution(execution))
    }

    /// Waits until the execution is no longer RUNNING and returns its description.
    func waitForEnd(_ execution: String, deadline: Duration = .seconds(20)) async throws -> JSON {
        try JSON(parsing: try await waitForEnd(describing: execution, deadline: deadline))
    }
}

extension SystemFixture {
    /// Publishes a SendTaskSuccess for each token at once, without `reply_to` (nobody waits for the verdicts), so
    /// the orchestrator takes them in a few batches.
    func publishSuccessCallbacks(_ tokens: [String], output: String = #"{"ok":true}"#) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for token in tokens {
                group.addTask {
                    let callback = Callback(taskToken: token, outcome: .success(output: output))
                    try await self.bus.publishCallback(
                        BusMessage(body: callback.encoded()), taskToken: token, names: self.names)
                }
            }
            try await group.waitForAll()
        }
    }
}

/// Definitions used across suites.
enum Definitions {
    /// Seed 1: publish to a queue with the token and wait; success → Succeed; timeout → Fail.
    static func waitForCallback(queue: String, timeout: Int = 86_400, heartbeat: Int? = nil, retry: String = "")
        -> String
    {
        CallbackMachine.definition(
            queue: queue, stateName: "Wait4Token", timeout: timeout, heartbeat: heartbeat, retry: retry)
    }
}

/// Runs `body` in a fresh system with one task queue (`<prefix>.tasks`) read by a `TaskInbox` and a client;
/// everything is shut down afterwards (the scratch files kept when `body` fails).
func withTaskSystem(
    _ label: String, environment: [String: String] = [:],
    _ body: (SystemFixture, BatonClient, TaskInbox, String) async throws -> Void
) async throws {
    let system = try await SystemFixture(label: label, environment: environment)
    try await system.run {
        try await system.withClient { client in
            let queue = "\(system.names.prefix).tasks"
            try await TaskInbox.with(queue, on: system) { inbox in
                try await body(system, client, inbox, queue)
            }
        }
    }
}
