import BatonJSON

/// A compiled payload template: the value of `Parameters`, `ItemSelector` or `ResultSelector`.
///
/// Members whose name ends in `.$` take a path (`$.x`, `$$.Execution.Id`) or an intrinsic function call
/// (`States.Format('{}', $.x)`); the `.$` is removed from the name in the output. Objects are walked however deeply
/// nested, including objects inside arrays; every other value is copied as is.
public struct PayloadTemplate: Sendable, Hashable {
    /// The template as written in the definition.
    public let source: JSON
    let root: Node

    /// A template that could not be compiled; `issues` says where and why.
    public struct InvalidTemplate: Error, Sendable, Hashable {
        /// The problems found, each with a JSON pointer.
        public var issues: [DefinitionIssue]
    }

    indirect enum Node: Sendable, Hashable {
        case literal(JSON)
        case path(JSONPath, field: String)
        case intrinsic(IntrinsicFunction, field: String)
        case object([(key: String, node: Node)])
        case array([Node])

        static func == (lhs: Node, rhs: Node) -> Bool {
            switch (lhs, rhs) {
            case (.literal(let a), .literal(let b)): a == b
            case (.path(let a, let f), .path(let b, let g)): a == b && f == g
            case (.intrinsic(let a, let f), .intrinsic(let b, let g)): a == b && f == g
            case (.object(let a), .object(let b)): a.map(\.key) == b.map(\.key) && a.map(\.node) == b.map(\.node)
            case (.array(let a), .array(let b)): a == b
            default: false
            }
        }

        func hash(into hasher: inout Hasher) {
            switch self {
            case .literal(let value): hasher.combine(value)
            case .path(let path, let field): hasher.combine(path); hasher.combine(field)
            case .intrinsic(let call, let field): hasher.combine(call); hasher.combine(field)
            case .object(let members):
                for member in members {
                    hasher.combine(member.key)
                    hasher.combine(member.node)
                }
            case .array(let nodes): hasher.combine(nodes)
            }
        }
    }

    /// Compiles a template.
    /// - Parameters:
    ///   - template: the template JSON (normally an object).
    ///   - pointer: the JSON pointer of the template in the definition, for issues.
    /// - Throws: `InvalidTemplate` listing every `.$` member whose value is not a string holding a valid path or
    ///   intrinsic function call.
    public init(_ template: JSON, at pointer: String = "") throws(InvalidTemplate) {
        var issues: [DefinitionIssue] = []
        root = Self.compile(template, at: pointer, issues: &issues)
        guard issues.isEmpty else { throw InvalidTemplate(issues: issues) }
        source = template
    }

    /// Checks a template in a definition without keeping it.
    /// - Returns: the problems found, each with the JSON pointer of the offending member; empty when valid.
    public static func validate(_ json: JSON, at pointer: String) -> [DefinitionIssue] {
        var issues: [DefinitionIssue] = []
        _ = compile(json, at: pointer, issues: &issues)
        return issues
    }

    static func compile(_ json: JSON, at pointer: String, issues: inout [DefinitionIssue]) -> Node {
        switch json {
        case .object(let object):
            guard object.contains(where: { $0.key.hasSuffix(".$") || Self.isContainer($0.value) }) else {
                return .literal(json)
            }
            var members: [(key: String, node: Node)] = []
            for (key, value) in object {
                let memberPointer = pointer + "/" + escape(key)
                guard key.hasSuffix(".$") else {
                    members.append((key, compile(value, at: memberPointer, issues: &issues)))
                    continue
                }
                let name = String(key.dropLast(2))
                guard let text = value.stringValue else {
                    issues.append(DefinitionIssue(memberPointer, invalidValueMessage(key)))
                    continue
                }
                if IntrinsicFunction.looksLikeCall(text) {
                    do {
                        members.append((name, .intrinsic(try IntrinsicFunction(text), field: key)))
                    } catch {
                        issues.append(DefinitionIssue(memberPointer, invalidValueMessage(key) + ": \(error.reason)"))
                    }
                } else {
                    do {
                        members.append((name, .path(try JSONPath(text), field: key)))
                    } catch {
                        issues.append(DefinitionIssue(memberPointer, invalidValueMessage(key) + ": \(error.reason)"))
                    }
                }
            }
            return .object(members)
        case .array(let elements):
            guard elements.contains(where: isContainer) else { return .literal(json) }
            return .array(elements.enumerated().map { compile($1, at: pointer + "/\($0)", issues: &issues) })
        default:
            return .literal(json)
        }
    }

    static func isContainer(_ json: JSON) -> Bool {
        switch json {
        case .object, .array: true
        default: false
        }
    }

    static func invalidValueMessage(_ key: String) -> String {
        "The value for the field '\(key)' must be a valid JSONPath or a valid intrinsic function call"
    }

    /// RFC 6901 escaping of one pointer token.
    static func escape(_ token: String) -> String {
        var out = ""
        for character in token {
            switch character {
            case "~": out += "~0"
            case "/": out += "~1"
            default: out.append(character)
            }
        }
        return out
    }
}
