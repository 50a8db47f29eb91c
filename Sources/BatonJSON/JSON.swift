import Foundation

/// A JSON value as Amazon States Language sees it: state input and output, Parameters templates, results.
///
/// Objects keep their keys in insertion order (AWS preserves the order of fields in state output), numbers
/// keep integers exact (`.integer`) and everything else as `Double` (`.number`). Equality treats `1` and
/// `1.0` as equal, as JSON comparison in Choice rules does.
public enum JSON: Sendable, Hashable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSON])
    case object(JSONObject)

    /// The numeric value as `Double` for `.integer` and `.number`, `nil` otherwise.
    public var doubleValue: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .number(let value): value
        default: nil
        }
    }

    /// The value of a `.string`, `nil` otherwise.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The value of a `.bool`, `nil` otherwise.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The elements of an `.array`, `nil` otherwise.
    public var arrayValue: [JSON]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The members of an `.object`, `nil` otherwise.
    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// Whether this is an integer or a floating point number.
    public var isNumber: Bool { doubleValue != nil }

    /// A member of an object by key; `nil` for other kinds or a missing key.
    public subscript(key: String) -> JSON? {
        objectValue?[key]
    }

    /// The same value with every object's members sorted by key, all the way down (for output whose member order
    /// must not depend on where the value came from).
    public func sortingKeys() -> JSON {
        switch self {
        case .array(let elements): .array(elements.map { $0.sortingKeys() })
        case .object(let object):
            .object(JSONObject(object.keys.sorted().compactMap { key in object[key].map { (key, $0.sortingKeys()) } }))
        default: self
        }
    }

    /// The JSON type name used in AWS error messages ("object", "array", "string", "number", "boolean", "null").
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .integer, .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    public static func == (lhs: JSON, rhs: JSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.integer(let a), .integer(let b)): a == b
        case (.integer, .number), (.number, .integer), (.number, .number): lhs.doubleValue == rhs.doubleValue
        case (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a == b
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let value): hasher.combine(value)
        case .integer(let value): hasher.combine(Double(value))
        case .number(let value): hasher.combine(value)
        case .string(let value): hasher.combine(value)
        case .array(let value): hasher.combine(value)
        case .object(let value): hasher.combine(value)
        }
    }
}

/// A JSON object whose members keep their insertion order.
///
/// Members live in one array in insertion order; lookups scan it while the object is small (most objects: a few
/// members, where comparing keys costs less than hashing them) and use a key index once it grows past
/// `indexThreshold` members.
public struct JSONObject: Sendable, Hashable, Sequence {
    private var members: [(key: String, value: JSON)] = []
    /// Position of each key in `members`; only for objects larger than `indexThreshold`.
    private var index: [String: Int]?
    private static let indexThreshold = 12

    /// An empty object.
    public init() {}

    /// An object from ordered pairs; a later duplicate key replaces the value but keeps the first position.
    public init(_ pairs: [(String, JSON)]) {
        members.reserveCapacity(pairs.count)
        for (key, value) in pairs { self[key] = value }
    }

    /// The keys in insertion order.
    public var keys: [String] { members.map(\.key) }

    /// The number of members.
    public var count: Int { members.count }

    /// Whether the object has no members.
    public var isEmpty: Bool { members.isEmpty }

    private func position(of key: String) -> Int? {
        if let index { return index[key] }
        return members.firstIndex { $0.key == key }
    }

    /// Reads, replaces, adds (at the end) or, when set to `nil`, removes a member.
    public subscript(key: String) -> JSON? {
        get { position(of: key).map { members[$0].value } }
        set {
            if let newValue {
                if let position = position(of: key) {
                    members[position].value = newValue
                } else {
                    members.append((key, newValue))
                    if index != nil {
                        index![key] = members.count - 1
                    } else if members.count > Self.indexThreshold {
                        index = Dictionary(uniqueKeysWithValues: members.enumerated().map { ($1.key, $0) })
                    }
                }
            } else if let position = position(of: key) {
                members.remove(at: position)
                index =
                    members.count > Self.indexThreshold
                    ? Dictionary(uniqueKeysWithValues: members.enumerated().map { ($1.key, $0) }) : nil
            }
        }
    }

    /// Members in insertion order.
    public func makeIterator() -> some IteratorProtocol<(key: String, value: JSON)> {
        members.lazy.map { (key: $0.key, value: $0.value) }.makeIterator()
    }

    /// Object equality ignores member order, as JSON does.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        // A plain loop: Swift 6.3.1's optimizer crashed (CopyPropagation, "Found outside of lifetime use") on
        // `allSatisfy { rhs[$0.key] == $0.value }` in release builds.
        for member in lhs.members {
            guard let other = rhs[member.key], other == member.value else { return false }
        }
        return true
    }

    /// Hashes the members whatever their order (equal objects hash alike).
    public func hash(into hasher: inout Hasher) {
        var combined = 0
        for member in members {
            var memberHasher = Hasher()
            memberHasher.combine(member.key)
            memberHasher.combine(member.value)
            combined ^= memberHasher.finalize()
        }
        hasher.combine(members.count)
        hasher.combine(combined)
    }
}

extension JSON: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSON)...) { self = .object(JSONObject(elements)) }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    /// An object from a dictionary literal, keeping the literal's order.
    public init(dictionaryLiteral elements: (String, JSON)...) { self.init(elements) }
}
