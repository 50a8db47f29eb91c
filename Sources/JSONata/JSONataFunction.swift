import BatonJSON

/// A function the host adds to an evaluation, called from expressions as `$name` (the States Language adds
/// `$partition`, `$hash`, `$uuid`… this way). Arguments and results are JSON; a function passed as an argument
/// arrives as `nil`.
///
/// `@unchecked Sendable`: an evaluation calls its functions from one thread at a time, and the caller waits
/// while an evaluation runs on a thread of its own, so a body is never entered concurrently by one evaluation.
public struct JSONataFunction: @unchecked Sendable {
    /// The JSONata signature checked before each call (e.g. `<an:a>`), or `nil` for none.
    public let signature: String?
    /// The function.
    public let body: ([JSON?]) throws(JSONataError) -> JSON?

    /// A host function with an optional JSONata signature.
    public init(signature: String? = nil, _ body: @escaping ([JSON?]) throws(JSONataError) -> JSON?) {
        self.signature = signature
        self.body = body
    }
}
