import BatonJSON
import Foundation

/// How a JSONata twin's execution ended compared with its JSONPath machine's for the same scenario input:
/// DescribeExecution's `status`, `error`, `cause` and `output` must be identical. Outputs are compared as JSON
/// values (member order aside, as JSON equality has it), with one exception: a member named in `clockMembers`
/// is the wall clock of the worker that answered (legacy-system's `completedAt`, seconds apart between two
/// executions that finish in different seconds), so each side must have it as a string, whatever the time.
struct DemoTwinComparison {
    /// The fields compared, in the order a difference is named.
    static let fields = ["status", "error", "cause", "output"]
    /// Output members that hold the answering worker's clock.
    static let clockMembers: Set<String> = ["completedAt"]

    /// The JSONPath scenario's label.
    let label: String
    /// The compared fields whose values differ (empty: identical).
    let differences: [String]
    /// Each differing field as `field: JSONPath value ≠ JSONata value`, for the lines under the table.
    let details: [String]

    /// Compares two DescribeExecution responses.
    init(label: String, jsonPath: [String: Any], jsonata: [String: Any]) {
        self.label = label
        var differences: [String] = []
        var details: [String] = []
        for field in Self.fields {
            let left = jsonPath[field] as? String
            let right = jsonata[field] as? String
            let same = field == "output" ? Self.sameOutput(left, right) : left == right
            if !same {
                differences.append(field)
                details.append("\(label) \(field): \(left ?? "(none)") ≠ \(right ?? "(none)")")
            }
        }
        self.differences = differences
        self.details = details
    }

    /// Whether the two outputs (JSON text, `nil` for none) are the same JSON value once clock members are masked.
    static func sameOutput(_ left: String?, _ right: String?) -> Bool {
        guard let left, let right else { return left == nil && right == nil }
        guard let leftValue = try? JSON(parsing: left), let rightValue = try? JSON(parsing: right) else {
            return left == right
        }
        return maskingClocks(leftValue) == maskingClocks(rightValue)
    }

    /// The value with every string member named in `clockMembers`, at any depth, replaced by one placeholder.
    static func maskingClocks(_ value: JSON) -> JSON {
        switch value {
        case .array(let elements):
            return .array(elements.map(maskingClocks))
        case .object(let object):
            var masked = JSONObject()
            for (key, member) in object {
                let isClock = clockMembers.contains(key) && member.stringValue != nil
                masked[key] = isClock ? "<clock>" : maskingClocks(member)
            }
            return .object(masked)
        default:
            return value
        }
    }
}
