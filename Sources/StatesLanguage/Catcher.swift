import BatonJSON
import Foundation

/// One entry of a state's `Catch` array.
public struct Catcher: Sendable, Hashable {
    /// The error names this catcher handles (`States.ALL` only alone and only in the last catcher).
    public var errorEquals: [String]
    /// The state to go to.
    public var next: String
    /// Where to put the error output `{"Error", "Cause"}` in the state input; absent means `$`.
    public var resultPath: PathSetting
    /// In a JSONata state, the catcher's `Output` (default: the error output, `$states.errorOutput`).
    public var output: JSON?
    /// The catcher's `Assign`, evaluated with the error output (`$states.errorOutput` in JSONata, `$` in JSONPath).
    public var assign: JSON?

    /// Creates a catcher.
    public init(errorEquals: [String], next: String, resultPath: PathSetting = .absent) {
        self.errorEquals = errorEquals
        self.next = next
        self.resultPath = resultPath
    }

    /// Whether this catcher handles an error (AWS's wildcard rules, see `ErrorMatching`).
    public func matches(_ error: StatesError) -> Bool {
        ErrorMatching.matches(errorEquals, error)
    }

    /// The first catcher in `catchers` that handles `error`, with its index; `nil` when none does.
    public static func match(_ error: StatesError, in catchers: [Catcher]) -> (index: Int, catcher: Catcher)? {
        guard let index = catchers.firstIndex(where: { $0.matches(error) }) else { return nil }
        return (index, catchers[index])
    }

    /// The error output a catcher passes on: `{"Error": name, "Cause": cause}`.
    public static func errorOutput(for error: StatesError) -> JSON {
        .object(
            JSONObject([
                ("Error", error.hasError ? .string(error.error) : .null),
                ("Cause", error.hasCause ? .string(error.cause) : .null),
            ]))
    }
}
