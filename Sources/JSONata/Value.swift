import BatonJSON
import Foundation

/// A value during evaluation: JSON plus functions, with JavaScript's reference semantics for arrays and objects
/// (JSONata marks arrays as sequences in place, and the transform operator updates the objects it matched).
///
/// `undefined` is `nil` wherever a `Value?` appears; arrays never hold it.
enum Value {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array(JArray)
    case object(JObject)
    case function(JFunction)

    /// A new sequence (JSONata's flattened result of a path), optionally with one first item.
    static func sequence(_ items: [Value] = []) -> JArray {
        let array = JArray(items)
        array.isSequence = true
        return array
    }

    var number: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    var array: JArray? {
        if case .array(let value) = self { return value }
        return nil
    }

    var object: JObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    var function: JFunction? {
        if case .function(let value) = self { return value }
        return nil
    }

    var isArray: Bool { array != nil }

    /// The JSONata signature symbol of the value (`s n b l a o f`).
    var symbol: Character {
        switch self {
        case .null: "l"
        case .bool: "b"
        case .number: "n"
        case .string: "s"
        case .array: "a"
        case .object: "o"
        case .function: "f"
        }
    }
}

/// A JavaScript array with the flags JSONata's evaluator puts on it.
final class JArray {
    var items: [Value]
    /// A sequence built by the evaluator (flattened into enclosing sequences, unwrapped when it holds one item).
    var isSequence = false
    /// `[]` after a step: a singleton stays an array.
    var keepSingleton = false
    /// Built by an array constructor: never flattened by a path step.
    var isCons = false
    /// The input array wrapped so that `$` still sees it whole.
    var outerWrapper = false
    /// A stream of tuples (objects with `@` and bound variables) rather than values.
    var isTupleStream = false

    init(_ items: [Value] = []) { self.items = items }

    var count: Int { items.count }
    var isEmpty: Bool { items.isEmpty }
    func append(_ value: Value) { items.append(value) }
}

/// A JavaScript object: keys in insertion order.
final class JObject {
    private(set) var keys: [String] = []
    private var storage: [String: Value] = [:]

    init() {}

    init(_ pairs: [(String, Value)]) {
        for (key, value) in pairs { self[key] = value }
    }

    var count: Int { keys.count }

    subscript(key: String) -> Value? {
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    var pairs: [(String, Value)] { keys.map { ($0, storage[$0]!) } }

    func copy() -> JObject {
        let copy = JObject()
        copy.keys = keys
        copy.storage = storage
        return copy
    }
}

extension Value {
    /// A value from JSON; arrays and objects become fresh references.
    init(_ json: JSON) {
        switch json {
        case .null: self = .null
        case .bool(let value): self = .bool(value)
        case .integer(let value): self = .number(Double(value))
        case .number(let value): self = .number(value)
        case .string(let value): self = .string(value)
        case .array(let elements): self = .array(JArray(elements.map(Value.init)))
        case .object(let object): self = .object(JObject(object.map { ($0.key, Value($0.value)) }))
        }
    }

    /// The value as JSON as `JSON.stringify` would write it: functions are left out of objects and are `null` in
    /// arrays; numbers that are whole and within 2^53 become integers.
    var json: JSON? {
        switch self {
        case .null: return .null
        case .bool(let value): return .bool(value)
        case .number(let value):
            if value == value.rounded(), abs(value) < 9_007_199_254_740_992 { return .integer(Int64(value)) }
            return value.isFinite ? .number(value) : .null
        case .string(let value): return .string(value)
        case .array(let array): return .array(array.items.map { $0.json ?? .null })
        case .object(let object):
            return .object(JSONObject(object.pairs.compactMap { key, value in value.json.map { (key, $0) } }))
        case .function: return nil
        }
    }
}

/// JSONata's deep equality (`=`): numbers, strings and booleans by value, arrays and objects member by member,
/// functions by identity.
func deepEqual(_ lhs: Value?, _ rhs: Value?) -> Bool {
    switch (lhs, rhs) {
    case (nil, nil): return true
    case (.null, .null): return true
    case (.bool(let a), .bool(let b)): return a == b
    case (.number(let a), .number(let b)): return a == b
    case (.string(let a), .string(let b)): return a == b
    case (.array(let a), .array(let b)):
        return a === b || (a.count == b.count && zip(a.items, b.items).allSatisfy { deepEqual($0, $1) })
    case (.object(let a), .object(let b)):
        return a === b || (a.count == b.count && a.keys.allSatisfy { b[$0] != nil && deepEqual(a[$0], b[$0]) })
    case (.function(let a), .function(let b)): return a === b
    default: return false
    }
}

/// JavaScript's `===`: by value for primitives, by identity for arrays, objects and functions.
func strictEqual(_ lhs: Value, _ rhs: Value) -> Bool {
    switch (lhs, rhs) {
    case (.array(let a), .array(let b)): a === b
    case (.object(let a), .object(let b)): a === b
    case (.function(let a), .function(let b)): a === b
    case (.array, _), (.object, _), (.function, _): false
    default: deepEqual(lhs, rhs)
    }
}

/// Deepest nesting of arrays and objects that evaluation accepts in values it compares, prints, copies, walks
/// or returns (BatonJSON parses at most 512); deeper values fail with U1002 instead of overflowing the stack.
let maximumNesting = 1000

/// Fails with U1002 when `value` nests arrays and objects deeper than `maximumNesting` (checked without
/// recursion).
func checkNesting(_ value: Value?) throws {
    guard let value else { return }
    var pending: [(Value, Int)] = [(value, 1)]
    while let (current, depth) = pending.popLast() {
        switch current {
        case .array(let array):
            if depth > maximumNesting { throw JSONataError("U1002", detail: "nested deeper than \(maximumNesting)") }
            for item in array.items where item.isArray || item.object != nil { pending.append((item, depth + 1)) }
        case .object(let object):
            if depth > maximumNesting { throw JSONataError("U1002", detail: "nested deeper than \(maximumNesting)") }
            for (_, item) in object.pairs where item.isArray || item.object != nil { pending.append((item, depth + 1)) }
        default:
            break
        }
    }
}
