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
        } catch is Parser.StackExhausted {
            root = try StackGuard.onLargeStack(stackSize: 5 * 1024 * 1024) { () throws(JSONataError) -> Node in
                do {
                    return try Parser.parse(text, stackBudget: 4 * 1024 * 1024)
                } catch let error as Parser.StackExhausted {
                    throw error.error
                } catch let error as JSONataError {
                    throw error
                } catch {
                    throw JSONataError("S0201", detail: "\(error)")
                }
            }
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
        let inlineBudget = min(StackGuard.inlineBudget, limits.maximumStackBytes)
        do {
            return try Self.run(root, input, bindings, limits, now, stackBudget: inlineBudget)
        } catch let error as StackExhausted {
            guard limits.maximumStackBytes > inlineBudget else { throw error.error }
            let root = self.root
            return try StackGuard.onLargeStack(stackSize: limits.maximumStackBytes + 512 * 1024) {
                () throws(JSONataError) -> JSON? in
                do {
                    return try Self.run(root, input, bindings, limits, now, stackBudget: limits.maximumStackBytes)
                } catch let error as StackExhausted {
                    throw error.error
                } catch let error as JSONataError {
                    throw error
                } catch {
                    throw JSONataError("D3121", detail: "\(error)")
                }
            }
        } catch let error as JSONataError {
            throw error
        } catch {
            throw JSONataError("D3121", detail: "\(error)")
        }
    }

    /// A U1001 raised because the stack budget ran out (as opposed to the depth or time limit).
    private struct StackExhausted: Error {
        var error: JSONataError
    }

    private static func run(
        _ root: Node, _ input: JSON?, _ bindings: [String: JSON], _ limits: JSONataLimits, _ now: Date,
        stackBudget: Int
    ) throws -> JSON? {
        let evaluator = Evaluator(limits: limits, timestamp: now, stackBudget: stackBudget)
        let frame = Frame(parent: evaluator.root)
        for (name, value) in bindings { frame.bind(name, Value(value)) }
        var value = input.map(Value.init)
        if case .array(let array)? = value {
            let wrapper = Value.sequence([.array(array)])
            wrapper.outerWrapper = true
            value = .array(wrapper)
        }
        frame.bind("$", value)
        do {
            let result = try evaluator.evaluate(root, value, frame)
            try checkNesting(result)
            return result?.json
        } catch let error as JSONataError where evaluator.ranOutOfStack {
            throw StackExhausted(error: error)
        }
    }
}
