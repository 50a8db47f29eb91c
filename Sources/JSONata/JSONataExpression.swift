import BatonJSON
import Foundation

/// A compiled JSONata expression: parse once, evaluate against many inputs.
///
/// ```swift
/// let expression = try JSONataExpression("Account.Order.Product.(Price * Quantity) ~> $sum()")
/// let total = try expression.evaluate(input)   // JSON? — nil is JSONata's undefined
/// ```
public struct JSONataExpression: Sendable {
    private let root: Node
    /// The expression text as given.
    public let text: String

    /// Parses an expression; syntax errors carry JSONata's S0xxx codes and positions.
    public init(_ text: String) throws(JSONataError) {
        self.text = text
        do {
            root = try Parser.parse(text)
        } catch let error as JSONataError {
            throw error
        } catch {
            throw JSONataError("S0201", detail: "\(error)")
        }
    }

    /// Evaluates the expression with `input` as `$` and each binding as `$name`; `nil` is undefined (no result).
    public func evaluate(
        _ input: JSON?, bindings: [String: JSON] = [:], limits: JSONataLimits = JSONataLimits(), now: Date = Date()
    ) throws(JSONataError) -> JSON? {
        let evaluator = Evaluator(limits: limits, timestamp: now)
        let frame = Frame(parent: evaluator.root)
        for (name, value) in bindings { frame.bind(name, Value(value)) }
        var value = input.map(Value.init)
        if case .array(let array)? = value {
            let wrapper = Value.sequence([.array(array)])
            wrapper.outerWrapper = true
            value = .array(wrapper)
            _ = array
        }
        frame.bind("$", value)
        do {
            let result = try evaluator.evaluate(root, value, frame)
            return result?.json
        } catch let error as JSONataError {
            throw error
        } catch {
            throw JSONataError("D3121", detail: "\(error)")
        }
    }
}
