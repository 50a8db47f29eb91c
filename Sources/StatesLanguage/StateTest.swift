import BatonJSON
import Foundation

/// AWS's TestState: one state run once on an input by the interpreter itself — no store, no broker, no worker.
/// A Task, Parallel or Map state's work is replaced by a mock (a result or an error); the state's own input and
/// output processing, Retry and Catch run as in an execution, and the top level stops at the state's first
/// transition, which becomes `nextState`.
///
/// ```swift
/// let machine = try StateMachineDefinition.parse(json: StateTest.machine(forState: stateJSON))
/// var test = StateTest(definition: machine, stateName: StateTest.singleStateName, input: ["a": 1])
/// test.mock = .result(["ok": true])
/// let result = try test.run(at: Date())       // .succeeded, output, nextState, inspection data
/// ```
public struct StateTest: Sendable {
    /// How much of the state's data processing the result shows (AWS's `inspectionLevel`).
    public enum InspectionLevel: String, Sendable, Hashable, CaseIterable {
        /// The output, error, cause, next state and status only (AWS's default).
        case info = "INFO"
        /// Also the data after each processing step, the variables and how Retry / Catch took an error.
        case debug = "DEBUG"
        /// As DEBUG; AWS adds the HTTP request and response of HTTP Tasks, which Baton does not run.
        case trace = "TRACE"
    }

    /// The mocked outcome of a Task, Parallel or Map state.
    public enum Mock: Sendable, Hashable {
        /// The result the task (or the branches / iterations) returned.
        case result(JSON)
        /// The error the task (or a branch / iteration) failed with.
        case error(error: String, cause: String?)
    }

    /// The name a single state gets when it is tested without a state machine (AWS's name for it too).
    public static let singleStateName = "StateName"

    /// The state machine; the state under test is `stateName`.
    public var definition: StateMachineDefinition
    /// The state to run.
    public var stateName: String
    /// The state's input.
    public var input: JSON
    /// Variables set before the state runs (a JSON object's members).
    public var variables: JSONObject?
    /// The mocked outcome of the state's work; required for Parallel and Map states here, and for Task states
    /// (Baton runs tasks on workers over the broker, never inside TestState).
    public var mock: Mock?
    /// The context object the state sees instead of the one TestState builds (only with a mock).
    public var context: JSON?
    /// The retries the retrier that takes a mocked error already made.
    public var retrierRetryCount: Int?
    /// The role ARN the caller named (shown in `$$.Execution.RoleArn`).
    public var roleArn: String?
    /// How much the result shows.
    public var inspectionLevel: InspectionLevel = .info
    /// The region and account of the ARNs in the context object.
    public var region = "us-east-1"
    /// See `region`.
    public var account = "123456789012"

    /// Creates a test of one state.
    /// - Parameters:
    ///   - definition: the validated state machine holding the state.
    ///   - stateName: the state to run.
    ///   - input: its input.
    public init(definition: StateMachineDefinition, stateName: String, input: JSON) {
        self.definition = definition
        self.stateName = stateName
        self.input = input
    }

    /// A state machine around a single state, named ``singleStateName``: the states it may go to (Next, a Choice
    /// rule's or Default's Next, a catcher's Next) exist as Succeed states, so it validates as a whole machine;
    /// TestState never enters them.
    /// - Parameter state: the state's JSON.
    /// - Returns: the state machine's JSON.
    public static func machine(forState state: JSON) -> JSON {
        var targets: [String] = []
        let object = state.objectValue ?? JSONObject()
        if let next = object["Next"]?.stringValue { targets.append(next) }
        if let next = object["Default"]?.stringValue { targets.append(next) }
        for rule in object["Choices"]?.arrayValue ?? [] {
            if let next = rule.objectValue?["Next"]?.stringValue { targets.append(next) }
        }
        for catcher in object["Catch"]?.arrayValue ?? [] {
            if let next = catcher.objectValue?["Next"]?.stringValue { targets.append(next) }
        }
        var states = JSONObject([(singleStateName, state)])
        for target in targets where states[target] == nil {
            states[target] = .object(JSONObject([("Type", .string("Succeed"))]))
        }
        return .object(JSONObject([("StartAt", .string(singleStateName)), ("States", .object(states))]))
    }

    /// Checks the request against AWS's rules for TestState: which states take (and need) a mock, the mock's
    /// shape for Parallel and Map states, and the context object.
    /// - Throws: `StateTestError` with AWS's error type and message.
    public func validate() throws(StateTestError) {
        guard let state = definition.states[stateName] else {
            throw StateTestError(.validation, "State not found in definition")
        }
        let type = state.kind.typeName
        switch state.kind {
        case .parallel, .map:
            guard mock != nil else {
                throw StateTestError(
                    .invalidDefinition,
                    "TestState API does not support Map or Parallel states. Supported state types include: "
                        + "[Task, Wait, Pass, Succeed, Fail, Choice]")
            }
        case .task(let task):
            guard mock != nil else {
                if roleArn == nil {
                    throw StateTestError(.validation, "RoleArn must be specified when testing a Task state")
                }
                throw StateTestError(
                    .validation,
                    "Baton's TestState runs no task itself (tasks run on workers over the broker): give a mock "
                        + "(result or errorOutput) to test the Task state '\(stateName)' with resource "
                        + "'\(task.resource)'")
            }
        default:
            if mock != nil {
                throw StateTestError(.validation, "State type '\(type)' is not supported when a mock is specified")
            }
        }
        if case .result(let result)? = mock {
            switch state.kind {
            case .parallel(let parallel):
                guard let items = result.arrayValue else {
                    throw StateTestError(.validation, "Mocked result must be an array.")
                }
                guard items.count == parallel.branches.count else {
                    throw StateTestError(
                        .validation,
                        "Mocked result must contain the same number of items as number of Parallel branches.")
                }
            case .map:
                guard result.arrayValue != nil else {
                    throw StateTestError(.validation, "Mocked result must be an array.")
                }
            default: break
            }
        }
        if let context { try Self.validate(context: context, for: state) }
    }

    /// AWS's rules for a caller's context object: an object of Execution, State, StateMachine and (for a
    /// `.sync` or `.waitForTaskToken` Task) Task; `Execution.Id` a string; no `Map`.
    private static func validate(context: JSON, for state: State) throws(StateTestError) {
        let prefix = "Invalid Context object provided: "
        guard let object = context.objectValue else {
            throw StateTestError(.validation, prefix + "the context object must be a JSON object")
        }
        for key in object.keys {
            switch key {
            case "Execution", "State", "StateMachine":
                guard object[key]?.objectValue != nil else {
                    throw StateTestError(.validation, prefix + "\(key) must be an object")
                }
            case "Task":
                guard case .task(let task) = state.kind,
                    task.resource.hasSuffix(".sync") || task.resource.hasSuffix(".waitForTaskToken")
                else {
                    throw StateTestError(
                        .validation,
                        prefix + "Context object contains 'Task' when state is not a Task state with a '.sync' or "
                            + "'.waitForTaskToken' service integration pattern")
                }
            case "Map":
                throw StateTestError(.validation, prefix + "'Map' field is not supported when mocking a Context object")
            default:
                throw StateTestError(.validation, prefix + "Field '\(key)' is not allowed")
            }
        }
        if let id = object["Execution"]?.objectValue?["Id"], id.stringValue == nil {
            throw StateTestError(.validation, prefix + "Execution.Id must be a string")
        }
        let executionFields = ["Id", "Input", "Name", "RoleArn", "StartTime", "RedriveCount", "RedriveTime"]
        for key in object["Execution"]?.objectValue?.keys ?? [] where !executionFields.contains(key) {
            throw StateTestError(.validation, prefix + "Field '\(key)' is not allowed")
        }
    }
}

/// Why TestState refused a request, with the AWS error type it answers with.
public struct StateTestError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The AWS error type.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The AWS `__type`, e.g. `ValidationException`.
        public let name: String

        /// `ValidationException`.
        public static let validation = Code(name: "ValidationException")
        /// `InvalidDefinition`.
        public static let invalidDefinition = Code(name: "InvalidDefinition")

        public var description: String { name }
    }

    /// The error type.
    public var code: Code
    /// The message AWS gives (or Baton's own, where Baton differs).
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
