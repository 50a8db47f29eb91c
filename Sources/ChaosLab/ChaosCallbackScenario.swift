import BatonBroker
import BatonProtocol
import Foundation
import Synchronization

/// (a) Callbacks that must be refused: duplicates (racing and after the fact), late callbacks after
/// TimeoutSeconds, callbacks to stopped executions, forged and truncated tokens. The scenario plays the worker
/// itself so it sees every verdict; each refusal must carry the right code and leave the execution unchanged.
struct CallbackRejectionScenario: ChaosScenario {
    let name = "callbacks"
    let summary =
        "duplicate, late, stopped-execution, forged and truncated callbacks → typed rejections, state unchanged"
    let timeScale = 20.0
    let defaultExecutions = 300

    func run(_ context: ChaosContext) async throws {
        let system = context.system
        let ledger = context.ledger
        let patient = try await context.createMachine("patient", definition: chaosDefinition(queue: system.taskQueue))
        // TimeoutSeconds 20 at time scale 20: one real second.
        let hasty = try await context.createMachine(
            "hasty", definition: chaosDefinition(queue: system.taskQueue, timeout: 20))
        let tokens = TokenInbox()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await tokens.collect(from: system) }
            defer { group.cancelAll() }
            let third = max(context.executions / 3, 1)
            let duplicates = try await context.startExecutions(patient, count: third, namePrefix: "dup")
            let late = try await context.startExecutions(hasty, count: third, namePrefix: "late")
            let stopped = try await context.startExecutions(
                patient, count: max(context.executions - 2 * third, 1), namePrefix: "stop")
            ledger.mark("started \(ledger.startedExecutions.count) executions; collecting their task tokens")
            let all = duplicates + late + stopped
            try await chaosWait(deadline: .seconds(60), "a token for every execution") { tokens.count >= all.count }

            ledger.mark("FAULT: racing duplicate SendTaskSuccess pairs for \(duplicates.count) executions")
            try await forEach(duplicates) { arn in
                let token = tokens.token(arn)!
                async let first = send(context, token, .acceptedOr("TaskTimedOut"))
                async let second = send(context, token, .acceptedOr("TaskTimedOut"))
                _ = try await (first, second)
            }
            try await waitForEnd(context, duplicates + late)
            let before = try await context.snapshot(duplicates + late)
            ledger.mark("duplicates accepted once each; \(late.count) hasty executions timed out")

            ledger.mark("FAULT: StopExecution for \(stopped.count) executions")
            try await forEach(stopped) { arn in
                _ = try await context.client.command(
                    "StopExecution", request: "{\"executionArn\":\(BatonClient.quoted(arn))}")
            }
            try await waitForEnd(context, stopped)
            let stoppedBefore = try await context.snapshot(stopped)

            let kinds: [(String, [String], (String) -> String, ExpectedVerdict)] = [
                ("duplicate", duplicates, { $0 }, .rejected("TaskTimedOut")),
                ("late", late, { $0 }, .rejected("TaskTimedOut")),
                ("stopped-execution", stopped, { $0 }, .rejected("TaskTimedOut")),
                ("forged", all, forge, .rejected("InvalidToken")),
                ("truncated", all, { String($0.prefix($0.count / 2)) }, .rejected("InvalidToken")),
            ]
            for (kind, arns, transform, expected) in kinds {
                ledger.mark("FAULT: \(context.callbacks) \(kind) callbacks")
                let targets = (0..<context.callbacks).map { transform(tokens.token(arns[$0 % arns.count])!) }
                try await forEach(targets, concurrency: 64) { token in _ = try await send(context, token, expected) }
            }
            ledger.mark("all refused callbacks answered; checking the executions are unchanged")
            let after = try await context.snapshot(duplicates + late + stopped)
            for (arn, state) in before.merging(stoppedBefore, uniquingKeysWith: { $1 }) where after[arn] != state {
                throw ChaosError("\(arn) changed after refused callbacks: \(state) → \(after[arn] ?? "?")")
            }
        }
    }

    func expected(history: [String]) -> ChaosExpectation {
        if history.contains("ExecutionAborted") { return ChaosExpectation(status: "ABORTED") }
        if history.contains("TaskTimedOut") { return ChaosExpectation(status: "FAILED", error: "CallbackTimeout") }
        return .succeeded
    }

    private func send(_ context: ChaosContext, _ token: String, _ expected: ExpectedVerdict) async throws {
        let reply = try await context.client.send(Callback(taskToken: token, outcome: .success(output: "{}")))
        context.ledger.verdict(token: token, errorType: reply.errorType, expected: expected)
    }

    /// The same token with one character of its signature changed: well-formed, not Baton's.
    private func forge(_ token: String) -> String {
        var characters = Array(token)
        let index = characters.count - 3
        characters[index] = characters[index] == "A" ? "B" : "A"
        return String(characters)
    }

    private func waitForEnd(_ context: ChaosContext, _ arns: [String]) async throws {
        try await chaosWait(deadline: .seconds(60), interval: .milliseconds(100), "\(arns.count) executions to end") {
            arns.allSatisfy { !context.ledger.events(of: $0).isEmpty }
        }
    }

}

/// Runs `body` for every element, `concurrency` at a time.
func forEach<T: Sendable>(_ items: [T], concurrency: Int = 32, _ body: @escaping @Sendable (T) async throws -> Void)
    async throws
{
    try await withThrowingTaskGroup(of: Void.self) { group in
        var next = 0
        while next < min(concurrency, items.count) {
            let item = items[next]
            group.addTask { try await body(item) }
            next += 1
        }
        while try await group.next() != nil {
            if next < items.count {
                let item = items[next]
                group.addTask { try await body(item) }
                next += 1
            }
        }
    }
}

/// The task tokens the orchestrator hands out, by execution ARN (the scenario is the worker).
final class TokenInbox: Sendable {
    private let tokens = Mutex<[String: String]>([:])

    var count: Int { tokens.withLock { $0.count } }
    func token(_ arn: String) -> String? { tokens.withLock { $0[arn] } }

    func collect(from system: ChaosSystem) async throws {
        try await system.bus.declare(QueueSpec(system.taskQueue))
        for try await delivery in try await system.bus.consume(system.taskQueue, prefetch: 512) {
            let body = delivery.message.body
            if let arn = delivery.message.headers["x-baton-execution-arn"],
                let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
                let token = object["TaskToken"] as? String
            {
                tokens.withLock { $0[arn] = token }
            }
            try? await delivery.settle(.ack)
        }
    }
}
