import BatonJSON
import Foundation
import Testing

@testable import StatesLanguage

/// The seed state machines' JSONata twins (`deploy/statemachines/<machine>-jsonata.asl.json`) against the JSONPath
/// machines they rewrite: the same input and the same end of the task give the same task parameters (the token
/// aside), the same history (every state entered and left, with its input and output) and the same outcome.
/// `scripts/demo.sh --check` checks the same on the running system for the demo's scenarios; this covers the
/// failure paths a worker cannot be made to take there (a result without a status, a task failure of another name).
@Suite struct SeedTwinTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("deploy/statemachines")

    /// How the machine's one task ends.
    enum TaskEnd: Sendable {
        case success(JSON)
        case failure(error: String, cause: String)
        /// No callback within TimeoutSeconds (the engine's deadline, from the task's `timeoutSeconds`).
        case timeout
        /// No heartbeat within HeartbeatSeconds.
        case heartbeatTimeout
    }

    /// One scenario: a machine, its input, how its task ends.
    struct Scenario: Sendable, CustomTestStringConvertible {
        var machine: String
        var input: JSON
        var end: TaskEnd
        var testDescription: String { "\(machine) \(input.serialized) \(end)" }
    }

    static let scenarios: [Scenario] = [
        Scenario(
            machine: "seed1-callback", input: ["order": 1],
            end: .success(["by": "worker-function", "calledBack": true, "input": ["order": 1]])),
        Scenario(machine: "seed1-callback", input: ["order": 2], end: .failure(error: "FunctionFailed", cause: "x")),
        Scenario(machine: "seed1-callback", input: ["order": 3], end: .timeout),
        Scenario(
            machine: "seed2-callback", input: ["status": "success"],
            end: .success(["input": ["status": "success"], "completedAt": "2026-12-05T10:00:00Z"])),
        Scenario(
            machine: "seed2-callback", input: ["status": "late"],
            end: .success(["input": ["status": "late"], "completedAt": "2026-12-05T10:00:00Z"])),
        Scenario(
            machine: "seed2-callback", input: ["status": "fail"],
            end: .failure(error: "JobFailed", cause: "job finished with status '\"fail\"'")),
        Scenario(machine: "seed2-callback", input: ["status": "success"], end: .timeout),
        Scenario(
            machine: "seed2-sync", input: ["status": "success"],
            end: .success(["jobName": "legacy-export", "input": ["status": "success"], "completedAt": "2026"])),
        Scenario(machine: "seed2-sync", input: ["status": "fail"], end: .failure(error: "JobFailed", cause: "y")),
        Scenario(machine: "seed2-sync", input: ["status": "success"], end: .heartbeatTimeout),
        Scenario(machine: "seed2-sync", input: ["status": "success"], end: .timeout),
        Scenario(
            machine: "manual-approval", input: ["item": "laptop", "amount": 900],
            end: .success(["approved": true, "approver": "baton demo", "comment": "approved by baton demo"])),
        Scenario(
            machine: "manual-approval", input: ["item": "yacht", "amount": 5000],
            end: .failure(error: "Rejected", cause: "amount > 1000")),
        Scenario(
            machine: "manual-approval", input: ["item": "desk", "amount": 300],
            end: .failure(error: "ApproverGone", cause: "z")),
        Scenario(machine: "manual-approval", input: ["item": "desk", "amount": 300], end: .timeout),
        Scenario(machine: "seed3-activity", input: ["parcel": 7], end: .success(["parcel": 7, "execution": "x"])),
        Scenario(machine: "seed3-activity", input: ["parcel": 8], end: .failure(error: "Dropped", cause: "c")),
        Scenario(machine: "seed3-activity", input: ["parcel": 9], end: .timeout),
        Scenario(machine: "seed3-activity", input: ["parcel": 9], end: .heartbeatTimeout),
    ]

    /// Where the twins part: data the JSONPath machine cannot process fails it with States.Runtime (uncaught, as
    /// in AWS), while the twin fails with the error its own expression meets. No demo input or worker answer is
    /// of this kind (inputs are objects; legacy-system succeeds only with the input's `status`), and either way the
    /// execution fails.
    static let malformed: [(scenario: Scenario, jsonPathError: String, jsonataError: String)] = [
        // A catcher's ResultPath `$.error` / `$merge` on an input that is not an object.
        (
            Scenario(machine: "seed1-callback", input: [1, 2], end: .timeout), "States.Runtime",
            "States.QueryEvaluationError"
        ),
        (
            Scenario(machine: "seed1-callback", input: "text", end: .failure(error: "E", cause: "c")), "States.Runtime",
            "States.QueryEvaluationError"
        ),
        // The success path's ResultPath `$.approval` / `$merge` on an input that is not an object.
        (
            Scenario(machine: "manual-approval", input: [1], end: .success(["approved": true])), "States.Runtime",
            "States.QueryEvaluationError"
        ),
        // A success without `input.status`: ResultSelector's path fails (States.Runtime, which no catcher takes);
        // the twin's `Assign` gives nothing, a States.QueryEvaluationError its States.ALL catcher sends to Failed.
        (
            Scenario(machine: "seed2-callback", input: ["status": "success"], end: .success(["completedAt": "x"])),
            "States.Runtime", "LegacyJobFailed"
        ),
    ]

    /// What is compared of one run.
    struct Run: Equatable {
        var outcome: ExecutionOutcome?
        /// The task's parameters with its token replaced by `<token>`.
        var parameters: JSON
        var timeoutSeconds: Int?
        var heartbeatSeconds: Int?
        /// Each history event's type and, for a state entered or left, its name, input and output as JSON.
        var history: [String]
    }

    static func run(_ machine: String, _ scenario: Scenario) throws -> Run {
        let file = directory.appendingPathComponent("\(machine).asl.json")
        var driver = try InterpreterDriver(try String(contentsOf: file, encoding: .utf8))
        try driver.start(scenario.input)
        let task = driver.lastTask
        switch scenario.end {
        case .success(let result): try driver.succeed(task.taskId, result)
        case .failure(let error, let cause): try driver.fail(task.taskId, error, cause)
        case .timeout: try driver.send(.taskTimedOut(task.taskId, at: driver.now))
        case .heartbeatTimeout: try driver.send(.heartbeatTimedOut(task.taskId, at: driver.now))
        }
        let token = task.taskToken
        let parameters = try JSON(parsing: task.parameters.serialized.replacingOccurrences(of: token, with: "<token>"))
        return Run(
            outcome: driver.outcome, parameters: parameters, timeoutSeconds: task.timeoutSeconds,
            heartbeatSeconds: task.heartbeatSeconds, history: driver.history.map(Self.summary))
    }

    /// The event's type, and a state's name, input and output (re-serialized, so member order and spacing do not
    /// count; `assignedVariables`, which only the twin has, is left out).
    static func summary(_ event: HistoryEvent) -> String {
        func json(_ text: String?) -> String { text.flatMap { try? JSON(parsing: $0).sortingKeys().serialized } ?? "-" }
        switch event.details {
        case .stateEntered(let details), .stateExited(let details):
            return "\(event.type.rawValue) \(details.name) in=\(json(details.input)) out=\(json(details.output))"
        default:
            return event.type.rawValue
        }
    }

    @Test(arguments: scenarios)
    func theJSONataTwinRunsAsTheJSONPathMachine(_ scenario: Scenario) throws {
        let jsonPath = try Self.run(scenario.machine, scenario)
        let jsonata = try Self.run(scenario.machine + "-jsonata", scenario)
        #expect(jsonPath.outcome != nil, "the scenario must end the execution")
        #expect(jsonata == jsonPath)
    }

    @Test func onDataTheJSONPathMachineCannotProcessBothFailEachWithItsOwnError() throws {
        for (scenario, jsonPathError, jsonataError) in Self.malformed {
            let jsonPath = try Self.run(scenario.machine, scenario)
            let jsonata = try Self.run(scenario.machine + "-jsonata", scenario)
            guard case .failed(let error, _)? = jsonPath.outcome, case .failed(let twinError, _)? = jsonata.outcome
            else {
                Issue.record(
                    "\(scenario.testDescription): both must fail, got \(jsonPath.outcome as Any), \(jsonata.outcome as Any)"
                )
                continue
            }
            #expect(error == jsonPathError, "\(scenario.testDescription)")
            #expect(twinError == jsonataError, "\(scenario.testDescription)")
        }
    }
}
