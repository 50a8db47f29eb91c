import BatonProtocol
import BatonRuntime
import Foundation
import LocalProcesses

/// One failure mode: how to set the system up, how to inject the fault, and what each execution must end as.
protocol ChaosScenario: Sendable {
    /// The name `baton chaos run NAME` takes.
    var name: String { get }
    /// One line for `baton chaos list`.
    var summary: String { get }
    /// The orchestrator's BATON_TIME_SCALE for this scenario.
    var timeScale: Double { get }
    /// Executions when `--executions` is not given.
    var defaultExecutions: Int { get }
    /// Whether the scenario needs a broker node of its own (it stops the broker or sets alarms).
    var needsOwnBroker: Bool { get }
    /// Sets up what the scenario needs outside Baton before the broker starts (e.g. a network namespace); the
    /// runner tears it down at the end, also when the run fails. `nil`: nothing to set up.
    func prepare(_ ledger: ChaosLedger) async throws -> (any ChaosFixture)?
    /// Starts the executions and injects the fault; returns when the fault is over.
    func run(_ context: ChaosContext) async throws
    /// The terminal status and error an execution must have, given its history event types.
    func expected(history: [String]) -> ChaosExpectation
}

extension ChaosScenario {
    var needsOwnBroker: Bool { false }
    func prepare(_ ledger: ChaosLedger) async throws -> (any ChaosFixture)? { nil }
}

/// Something a scenario set up outside Baton for its run (a network namespace, …).
protocol ChaosFixture: Sendable {
    /// Extra scripts/rabbitmq-node.sh variables for the scenario's own node (e.g. `BATON_RMQ_LISTEN`).
    var brokerEnvironment: [String: String] { get }
    /// Removes what was set up; must not throw and must be safe after a partial set-up.
    func tearDown() async
}

/// The terminal status (and error name, for FAILED) the state machine prescribes.
struct ChaosExpectation: Sendable, Equatable {
    var status: String
    var error: String?
    static let succeeded = ChaosExpectation(status: "SUCCEEDED", error: nil)
}

/// Every scenario, in the order `all` runs them.
enum ChaosCatalog {
    static let scenarios: [any ChaosScenario] = [
        CallbackRejectionScenario(), NeverCallsBackScenario(), WorkerCrashScenario(), PoisonMessageScenario(),
        OrchestratorCrashScenario(), BrokerRestartScenario(), BacklogScenario(), MemoryAlarmScenario(),
        HeartbeatStormScenario(), NetworkPartitionScenario(), OutageRedriveScenario(),
    ]

    static func named(_ name: String) -> (any ChaosScenario)? { scenarios.first { $0.name == name } }
}

/// What a scenario works with.
struct ChaosContext: ChaosDriving {
    let system: ChaosSystem
    let client: BatonClient
    let executions: Int
    let callbacks: Int
    let seed: UInt64
    /// The scenario's own broker node, when it asked for one.
    let broker: RabbitMQNode?
    /// What the scenario's `prepare` set up, if anything.
    let fixture: (any ChaosFixture)?
    var ledger: ChaosLedger { system.ledger }

    func eventsBacklog() async -> Int { await system.depth(system.eventsQueue) }
}

/// A JSON state machine: one waitForTaskToken task on the chaos task queue, with Catch routes for
/// timeouts and failures, and an optional Retry.
func chaosDefinition(queue: String, timeout: Int = 86_400, heartbeat: Int? = nil, retry: String = "") -> String {
    CallbackMachine.definition(queue: queue, timeout: timeout, heartbeat: heartbeat, retry: retry)
}

/// The JSON object in `text`, if it is one.
func jsonObject(_ text: String) -> [String: Any]? {
    try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
}
