import BatonJSON
import Foundation

/// Whether a task's Parameters or Arguments pass the task token on.
enum TaskTokenReference {
    /// A context object in which only the task token is the marker, for evaluating `$$` paths.
    private static let marker = "\u{0}baton-task-token\u{0}"
    private static let context: JSON = [
        "Execution": ["Id": "e", "Input": [:], "Name": "n", "RoleArn": "r", "StartTime": "t"],
        "State": ["EnteredTime": "t", "Name": "s", "RetryCount": 0],
        "StateMachine": ["Id": "m", "Name": "m"],
        "Task": ["Token": .string(marker)],
    ]

    /// Whether some `.$` value of a JSONPath payload template — a path, or an intrinsic function with path
    /// arguments — selects the task token (alone or inside what it selects).
    static func inParameters(_ template: JSON?) -> Bool {
        switch template {
        case .object(let object)?:
            return object.contains { key, value in
                if key.hasSuffix(".$"), case .string(let text) = value { return reaches(text) }
                return inParameters(value)
            }
        case .array(let elements)?: return elements.contains { inParameters($0) }
        default: return false
        }
    }

    /// Whether some `{% … %}` expression of a JSONata template reads the task token. A textual check: the
    /// expression (blanks removed) reads `$states.context.Task.Token`, or `$states.context` or
    /// `$states.context.Task` whole, or a wildcard below them.
    static func inArguments(_ template: JSON?) -> Bool {
        switch template {
        case .string(let text)?:
            guard let expression = JSONataTemplate.expression(in: text) else { return false }
            return readsToken(expression.filter { !$0.isWhitespace })
        case .object(let object)?: return object.contains { _, value in inArguments(value) }
        case .array(let elements)?: return elements.contains { inArguments($0) }
        default: return false
        }
    }

    private static func reaches(_ text: String) -> Bool {
        if IntrinsicFunction.looksLikeCall(text) {
            guard let function = try? IntrinsicFunction(text) else { return false }
            return reaches(function.call)
        }
        guard let path = try? JSONPath(text) else { return false }
        return reaches(path)
    }

    private static func reaches(_ call: IntrinsicFunction.Call) -> Bool {
        call.arguments.contains { argument in
            switch argument {
            case .path(let path): reaches(path)
            case .call(let inner): reaches(inner)
            default: false
            }
        }
    }

    private static func reaches(_ path: JSONPath) -> Bool {
        guard path.root == .context, let selected = path.evaluate(.null, context: context) else { return false }
        return contains(selected)
    }

    private static func contains(_ value: JSON) -> Bool {
        switch value {
        case .string(let text): text == marker
        case .array(let elements): elements.contains(where: contains)
        case .object(let object): object.contains { _, member in contains(member) }
        default: false
        }
    }

    private static func readsToken(_ expression: String) -> Bool {
        let prefix = "$states.context"
        var rest = Substring(expression)
        while let range = rest.range(of: prefix) {
            rest = rest[range.upperBound...]
            if reachesToken(afterContext: rest) { return true }
        }
        return false
    }

    /// Whether what follows `$states.context` in an expression selects the task token or something holding it.
    private static func reachesToken(afterContext tail: Substring) -> Bool {
        guard tail.first == "." else { return !(tail.first.map(Self.continuesName) ?? false) }
        let afterDot = tail.dropFirst()
        if afterDot.hasPrefix("*") { return true }
        guard afterDot.hasPrefix("Task") else { return false }
        let afterTask = afterDot.dropFirst("Task".count)
        if let next = afterTask.first, continuesName(next) { return false }
        guard afterTask.first == "." else { return true }
        let member = afterTask.dropFirst()
        if member.hasPrefix("*") { return true }
        guard member.hasPrefix("Token") else { return false }
        return !(member.dropFirst("Token".count).first.map(Self.continuesName) ?? false)
    }

    private static func continuesName(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || character == "_"
    }
}
