import BatonJSON
import Foundation

/// An error parsing or evaluating a JSONata expression, with JSONata's code (`S0201`, `T2001`, `D3030`, …).
///
/// `position` is the character offset in the expression just past the token at fault (as jsonata-js reports
/// it); `token` names that token or the function being called.
public struct JSONataError: Error, Sendable, Hashable, CustomStringConvertible {
    /// JSONata's error code: `S` syntax, `T` type, `D` dynamic, `U` user limits.
    public var code: String
    /// Character offset in the expression, when known.
    public var position: Int?
    /// The token or function name at fault, when known.
    public var token: String?
    /// The value at fault, rendered as JSON text, when there is one.
    public var value: String?
    /// A second value (comparisons, order-by).
    public var value2: String?
    /// The argument index for signature errors.
    public var index: Int?
    /// A message given by `$error`/`$assert` or a nested error.
    public var detail: String?

    /// An error with a code and optional details.
    public init(
        _ code: String, position: Int? = nil, token: String? = nil, value: String? = nil, value2: String? = nil,
        index: Int? = nil, detail: String? = nil
    ) {
        self.code = code
        self.position = position
        self.token = token
        self.value = value
        self.value2 = value2
        self.index = index
        self.detail = detail
    }

    /// The message JSONata gives for this code, with its details filled in.
    public var message: String {
        var text = Self.templates[code] ?? "Error \(code)"
        let fills: [(String, String?)] = [
            ("{{{message}}}", detail), ("{{token}}", token.map { "\"\($0)\"" }), ("{{value}}", value),
            ("{{value2}}", value2), ("{{index}}", index.map(String.init)), ("{{{token}}}", token),
        ]
        for (marker, fill) in fills { text = text.replacingOccurrences(of: marker, with: fill ?? "") }
        return text
    }

    /// The code, the position and the message.
    public var description: String {
        "\(code)" + (position.map { " at \($0)" } ?? "") + ": \(message)"
    }
}

extension JSONataError {
    init(_ code: String, position: Int? = nil, token: String? = nil, value: Value?) {
        self.init(code, position: position, token: token, value: value.map(renderForMessage))
    }
}

/// A value as JSON text for an error message (functions as `""`), cut short past 100 characters.
func renderForMessage(_ value: Value) -> String {
    guard (try? checkNesting(value)) != nil else { return "…" }
    let text = value.json?.serialized ?? "\"\""
    return text.count > 100 ? String(text.prefix(100)) + "…" : text
}
