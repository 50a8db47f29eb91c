import BatonJSON
import Foundation

/// What TestState (``StateTest``) sees of the one state it runs at the top level: the data at each step of the
/// state's input and output processing, how Retry and Catch took an error, and where the state would go next.
/// It also carries what the test replaces: the task's (or Parallel's / Map's) outcome, the context object and
/// the retries already made.
struct StateProbe {
    /// A mocked outcome of the state's work.
    enum Mock {
        /// The task (or the branches / iterations) returned this result.
        case result(JSON)
        /// The task (or a branch / iteration) failed with this error.
        case error(StatesError)
    }

    /// The mocked outcome; `nil` without a mock.
    var mock: Mock?
    /// The caller's context object, replacing the one the interpreter would build.
    var context: JSON?
    /// Retries already made by the retrier that takes the error (stateConfiguration.retrierRetryCount).
    var retrierRetryCount: Int?

    var afterInputPath: JSON?
    var afterParameters: JSON?
    var afterArguments: JSON?
    var result: JSON?
    var afterResultSelector: JSON?
    var afterResultPath: JSON?
    var afterItemsPath: JSON?
    var maxConcurrency: Int?
    var toleratedFailureCount: Int?
    var toleratedFailurePercentage: Double?
    /// The error the state failed with (its task's, or its own processing's), before Retry and Catch.
    var error: StatesError?
    /// The retrier that matched the error, whether or not it had attempts left.
    var retryIndex: Int?
    /// The backoff before the retry, when the retrier had attempts left (the state is then RETRIABLE).
    var retryBackoffSeconds: Double?
    /// The catcher that took the error.
    var catchIndex: Int?
    /// The top-level variables: the test's, then as the state's Assign left them.
    var variables: JSONObject?
    /// The top level's first transition: the next state and the output passed to it.
    var transition: (next: String, output: JSON)?

    /// A Pass state's steps: a literal `Result` replaces InputPath and Parameters, as AWS reports it.
    mutating func observePass(effective: JSON, result: JSON, isLiteral: Bool, afterResultPath: JSON) {
        if isLiteral {
            self.result = result
        } else {
            afterInputPath = effective
            afterParameters = result
        }
        afterResultSelector = result
        self.afterResultPath = afterResultPath
    }

    /// A Task state's request: the effective input and the rendered Parameters (JSONPath) or Arguments (JSONata).
    mutating func observeTask(effective: JSON, parameters: JSON, isJSONata: Bool, templated: Bool) {
        if isJSONata {
            if templated { afterArguments = parameters }
        } else {
            afterInputPath = effective
            afterParameters = parameters
        }
    }
}

extension InterpreterRun {
    /// A Parallel or Map state under test with a mock: its input processing runs, then the mocked result (or
    /// error) stands for what the branches / iterations would have given; none of them runs.
    mutating func enterMocked(_ definitionState: State, in path: ScopePath) throws(StatesError) {
        guard let active = state.frames[path]?.active, let mock = probe?.mock else { return }
        let visible = variables(in: path)
        if case .map(let map) = definitionState.kind {
            if definitionState.queryLanguage == .jsonPath {
                let effective = try selectInput(
                    definitionState.io.inputPath, from: active.input.value, variables: visible)
                probe?.afterInputPath = effective
                if case .path(let itemsPath) = map.itemsPath {
                    let items = try value(at: itemsPath, in: effective, variables: visible)
                    probe?.afterItemsPath = items
                }
            }
            if case .seconds(let limit)? = map.maxConcurrency {
                probe?.maxConcurrency = limit
            } else {
                probe?.maxConcurrency = 0
            }
            probe?.toleratedFailureCount = map.toleratedFailureCount
            probe?.toleratedFailurePercentage = map.toleratedFailurePercentage
        }
        state.frames[path]?.active?.step = .entering
        switch mock {
        case .result(let result): completeState(path, result: result)
        case .error(let error): stateFailed(path, error)
        }
    }
}
