import BatonJSON
import Foundation

/// One state of a state machine: its name, kind-specific fields and the fields every kind shares.
public struct State: Sendable, Hashable {
    /// The state's name (its key in `States`).
    public var name: String
    /// The optional human-readable description.
    public var comment: String?
    /// The kind of state and the fields only that kind has.
    public var kind: Kind
    /// Input/output processing fields; the ones a kind does not allow stay at their defaults.
    public var io: StateIO
    /// Where to go after the state; `nil` for Choice, Succeed and Fail, which never have Next or End.
    public var transition: Transition?
    /// The query language of the state: its own `QueryLanguage`, else the state machine's, else JSONPath.
    public var queryLanguage: QueryLanguage

    /// Creates a state.
    public init(
        name: String, comment: String? = nil, kind: Kind, io: StateIO = StateIO(), transition: Transition?,
        queryLanguage: QueryLanguage = .jsonPath
    ) {
        self.name = name
        self.comment = comment
        self.kind = kind
        self.io = io
        self.transition = transition
        self.queryLanguage = queryLanguage
    }

    /// The state kinds of Amazon States Language, each with its own fields.
    public enum Kind: Sendable, Hashable {
        case task(TaskState)
        case pass(PassState)
        case choice(ChoiceState)
        case wait(WaitState)
        case succeed
        case fail(FailState)
        case parallel(ParallelState)
        case map(MapState)

        /// The `Type` value naming this kind, e.g. `"Task"`.
        public var typeName: String {
            switch self {
            case .task: "Task"
            case .pass: "Pass"
            case .choice: "Choice"
            case .wait: "Wait"
            case .succeed: "Succeed"
            case .fail: "Fail"
            case .parallel: "Parallel"
            case .map: "Map"
            }
        }
    }

    /// Whether the state can be retried (Task, Parallel, Map): only those have `$$.State.RetryCount`.
    public var canRetry: Bool {
        switch kind {
        case .task, .parallel, .map: true
        default: false
        }
    }

    /// The retriers of a Task, Parallel or Map state; empty for other kinds.
    public var retriers: [Retrier] {
        switch kind {
        case .task(let task): task.retry
        case .parallel(let parallel): parallel.retry
        case .map(let map): map.retry
        default: []
        }
    }

    /// The catchers of a Task, Parallel or Map state; empty for other kinds.
    public var catchers: [Catcher] {
        switch kind {
        case .task(let task): task.catch
        case .parallel(let parallel): parallel.catch
        case .map(let map): map.catch
        default: []
        }
    }
}

/// What follows a state: `Next` names the next state, `End` ends the (sub-)machine.
public enum Transition: Sendable, Hashable {
    case next(String)
    case end
}

/// A path-valued field (`InputPath`, `OutputPath`, `ResultPath`, `ItemsPath`) as written in the definition.
///
/// `absent` means the field was not given (the default `$` applies), `null` means JSON `null` was given
/// (AWS's "discard" meaning differs per field), `path` holds the JSONPath text.
public enum PathSetting: Sendable, Hashable {
    case absent
    case null
    case path(String)
}

/// The input/output processing fields a state may have, as written in the definition.
public struct StateIO: Sendable, Hashable {
    /// `InputPath` (Task, Pass, Choice, Wait, Succeed, Parallel, Map).
    public var inputPath: PathSetting = .absent
    /// `OutputPath` (every kind but Fail).
    public var outputPath: PathSetting = .absent
    /// `ResultPath` (Task, Pass, Parallel, Map).
    public var resultPath: PathSetting = .absent
    /// `Parameters` payload template (Task, Pass, Parallel; on Map the legacy name of `ItemSelector`).
    public var parameters: JSON?
    /// `ResultSelector` payload template (Task, Parallel, Map).
    public var resultSelector: JSON?
    /// `Arguments` (JSONata Task): a JSON value whose `{% … %}` strings are JSONata expressions.
    public var arguments: JSON?
    /// `Output` (JSONata states but Fail): as `arguments`; without it the output is the input (or the result).
    public var output: JSON?
    /// `Assign` (Pass, Task, Choice, Wait, Parallel, Map): variables to set when the state succeeds, by name. In a
    /// JSONata state values are as `arguments`; in a JSONPath state the object is a payload template (`name.$`
    /// takes a path or an intrinsic function and sets `name`).
    public var assign: JSON?

    /// Creates I/O settings; every field defaults to absent.
    public init(
        inputPath: PathSetting = .absent,
        outputPath: PathSetting = .absent,
        resultPath: PathSetting = .absent,
        parameters: JSON? = nil,
        resultSelector: JSON? = nil
    ) {
        self.inputPath = inputPath
        self.outputPath = outputPath
        self.resultPath = resultPath
        self.parameters = parameters
        self.resultSelector = resultSelector
    }
}

/// A number of seconds given either literally or as a reference path into the state input.
public enum SecondsSetting: Sendable, Hashable {
    /// A literal positive number of seconds (`TimeoutSeconds`, `HeartbeatSeconds`, `MaxConcurrency`...).
    case seconds(Int)
    /// A reference path resolved at run time (`TimeoutSecondsPath`, `HeartbeatSecondsPath`...).
    case path(String)
    /// In a JSONata state, a `{% … %}` expression evaluated at run time.
    case expression(String)
}

/// A string given either literally or as a path resolved at run time (Fail's Error/ErrorPath, Cause/CausePath).
public enum StringSetting: Sendable, Hashable {
    case literal(String)
    case path(String)
}
