import Foundation
import Logging
import ServiceLifecycle
import WorkerKit

/// Automatic decisions for the demo and load tests: `auto-approve-after=2s` approves what is still pending after
/// that long; `reject-if=FIELD OP VALUE` (`amount>1000`, `status==bad`; ops `> >= < <= == !=`; dotted paths,
/// also looked up under `input`/`Payload`) rejects matching requests at once. Rules are `;`- or `,`-separated.
struct ApprovalPolicy: Sendable, Hashable {
    struct Rule: Sendable, Hashable {
        var path: [String]
        var op: String
        var value: String
        var text: String
    }

    var autoApproveAfter: Duration?
    var rejectRules: [Rule] = []

    init(parsing text: String) throws(KnobError) {
        for part in text.split(whereSeparator: { $0 == ";" || $0 == "," }) {
            let rule = part.trimmingCharacters(in: .whitespaces)
            guard let equals = rule.firstIndex(of: "=") else { throw KnobError("policy rule '\(rule)' has no '='") }
            let name = rule[..<equals].trimmingCharacters(in: .whitespaces)
            let body = String(rule[rule.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
            switch name {
            case "auto-approve-after": autoApproveAfter = try DurationText.parse(body)
            case "reject-if": rejectRules.append(try Self.rule(body))
            default: throw KnobError("unknown policy rule '\(name)'; use auto-approve-after or reject-if")
            }
        }
    }

    private static func rule(_ text: String) throws(KnobError) -> Rule {
        for op in [">=", "<=", "!=", "==", ">", "<", "="] {
            guard let range = text.range(of: op) else { continue }
            let path = text[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
            let value = text[range.upperBound...].trimmingCharacters(in: .whitespaces)
            guard !path.isEmpty, !value.isEmpty else { break }
            return Rule(
                path: path.split(separator: ".").map(String.init), op: op == "=" ? "==" : op, value: value, text: text)
        }
        throw KnobError("reject-if needs FIELD OP VALUE (e.g. amount>1000), not '\(text)'")
    }

    /// The first reject rule the request matches.
    func rejection(for request: ApprovalRequest) -> Rule? {
        guard let object = JSONBody.object(Array(request.request.utf8)) else { return nil }
        return rejectRules.first { rule in
            let roots = [object, object["input"] as? [String: Any], object["Payload"] as? [String: Any]]
            return roots.contains { root in
                guard let root, let field = Self.lookup(rule.path, in: root) else { return false }
                return Self.compare(field, rule.op, rule.value)
            }
        }
    }

    private static func lookup(_ path: [String], in object: [String: Any]) -> Any? {
        var current: Any? = object
        for key in path { current = (current as? [String: Any])?[key] }
        return current
    }

    private static func compare(_ field: Any, _ op: String, _ value: String) -> Bool {
        if let left = JSONBody.number(field), !(field is String && Double(value) == nil), let right = Double(value) {
            switch op {
            case ">": return left > right
            case ">=": return left >= right
            case "<": return left < right
            case "<=": return left <= right
            case "==": return left == right
            default: return left != right
            }
        }
        let left = (field as? String) ?? JSONBody.text(field)
        let right = value.trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        switch op {
        case "==": return left == right
        case "!=": return left != right
        case ">": return left > right
        case ">=": return left >= right
        case "<": return left < right
        default: return left <= right
        }
    }
}

/// Applies the policy to pending requests every 100 ms until shutdown.
struct PolicyService: Service {
    let policy: ApprovalPolicy
    let desk: ApprovalDesk
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while true {
                for request in await desk.store.list() {
                    if let rule = policy.rejection(for: request) {
                        _ = try? await desk.decide(
                            request.id, .reject(approver: "policy", reason: "policy: \(rule.text)"))
                    } else if let after = policy.autoApproveAfter,
                        Date().timeIntervalSince(request.receivedAt) >= DurationText.seconds(after)
                    {
                        _ = try? await desk.decide(
                            request.id, .approve(approver: "policy", comment: "auto-approved after \(after)"))
                    }
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }
}
