import BatonJSON
import Foundation

/// Field readers: each reads one member, reports what is wrong with it at its pointer and returns the value
/// (or `nil`/a default) so reading continues and every issue is collected.
extension DefinitionParser {
    /// Fields that are valid ASL elsewhere but not supported by Baton, with the reason reported.
    static let unsupportedFields: [String: String] = [
        "Arguments": "is a JSONata field; the state's QueryLanguage is JSONPath",
        "Output": "is a JSONata field; the state's QueryLanguage is JSONPath",
        "ItemReader": "ItemReader (Distributed Map) is not supported",
        "ResultWriter": "ResultWriter (Distributed Map) is not supported",
        "ItemBatcher": "ItemBatcher (Distributed Map) is not supported",
        "Label": "Label (Distributed Map) is not supported",
    ]

    /// The largest value AWS accepts for TimeoutSeconds, HeartbeatSeconds, IntervalSeconds, MaxAttempts...
    static let maximumSeconds = 99_999_999

    mutating func rejectUnknownFields(_ object: JSONObject, allowed: Set<String>, at pointer: String, owner: String) {
        for key in object.keys where !allowed.contains(key) {
            report(Self.pointer(pointer, key), Self.unsupportedFields[key] ?? "is not a field of \(owner)")
        }
    }

    mutating func requiredString(_ object: JSONObject, _ key: String, at pointer: String) -> String? {
        guard object[key] != nil else {
            report(Self.pointer(pointer, key), "is required")
            return nil
        }
        return optionalString(object, key, at: pointer)
    }

    mutating func optionalString(_ object: JSONObject, _ key: String, at pointer: String) -> String? {
        guard let value = object[key] else { return nil }
        guard let string = value.stringValue else {
            report(Self.pointer(pointer, key), "must be a string")
            return nil
        }
        return string
    }

    /// An integer in `minimum...maximum` (`Int64` JSON integers only: `1.0` and `1e0` are rejected, as AWS does).
    mutating func integer(
        _ object: JSONObject, _ key: String, at pointer: String, minimum: Int, maximum: Int = maximumSeconds
    ) -> Int? {
        guard let value = object[key] else { return nil }
        let fieldPointer = Self.pointer(pointer, key)
        let kind = minimum > 0 ? "a positive integer" : "a non-negative integer"
        guard case .integer(let number) = value, number >= minimum else {
            report(fieldPointer, "must be \(kind)")
            return nil
        }
        guard number <= maximum else {
            report(fieldPointer, "must be at most \(maximum)")
            return nil
        }
        return Int(number)
    }

    mutating func positiveInteger(_ object: JSONObject, _ key: String, at pointer: String) -> Int? {
        integer(object, key, at: pointer, minimum: 1)
    }

    /// A number given literally (`key`) or as a reference path (`key + "Path"`), never both.
    mutating func secondsSetting(
        _ object: JSONObject, _ key: String, at pointer: String, minimum: Int = 1
    ) -> SecondsSetting? {
        let pathKey = key + "Path"
        if object[key] != nil, object[pathKey] != nil {
            report(Self.pointer(pointer, pathKey), "must not be given together with \(key)")
        }
        if readingJSONata, case .string(let text)? = object[key], JSONataTemplate.expression(in: text) != nil {
            for issue in JSONataTemplate.syntaxIssues(.string(text)) { report(Self.pointer(pointer, key), issue) }
            return .expression(text)
        }
        if let seconds = integer(object, key, at: pointer, minimum: minimum) { return .seconds(seconds) }
        if let path = referencePath(object, pathKey, at: pointer) { return .path(path) }
        return nil
    }

    /// A string given literally (`key`) or as a path (`key + "Path"`), never both (Fail's Error and Cause).
    mutating func stringSetting(_ object: JSONObject, _ key: String, at pointer: String) -> StringSetting? {
        let pathKey = key + "Path"
        if object[key] != nil, object[pathKey] != nil {
            report(Self.pointer(pointer, pathKey), "must not be given together with \(key)")
        }
        if let literal = optionalString(object, key, at: pointer) { return .literal(literal) }
        guard let path = optionalString(object, pathKey, at: pointer) else { return nil }
        // ErrorPath and CausePath may also be an intrinsic function such as States.Format(...).
        if !path.hasPrefix("States.") { pathIssues(path, at: Self.pointer(pointer, pathKey), requireReference: true) }
        return .path(path)
    }

    /// A reference path field (`...Path` fields, ItemsPath): a string that selects a single node.
    mutating func referencePath(_ object: JSONObject, _ key: String, at pointer: String) -> String? {
        guard let path = optionalString(object, key, at: pointer) else { return nil }
        pathIssues(path, at: Self.pointer(pointer, key), requireReference: true)
        return path
    }

    /// InputPath, OutputPath and ResultPath: absent, `null` or a path.
    mutating func pathSetting(
        _ object: JSONObject, _ key: String, at pointer: String, requireReference: Bool = false,
        allowContext: Bool = true
    ) -> PathSetting {
        switch object[key] {
        case nil: return .absent
        case .null?: return .null
        case .string(let path)?:
            pathIssues(
                path, at: Self.pointer(pointer, key), requireReference: requireReference, allowContext: allowContext)
            return .path(path)
        default:
            report(Self.pointer(pointer, key), "must be a string or null")
            return .absent
        }
    }

    /// The one funnel to the data plane's JSONPath syntax check.
    mutating func pathIssues(_ path: String, at pointer: String, requireReference: Bool, allowContext: Bool = true) {
        issues += JSONPath.validate(path, at: pointer, requireReference: requireReference, allowContext: allowContext)
    }

    /// A payload template (Parameters, ResultSelector, ItemSelector).
    mutating func template(_ object: JSONObject, _ key: String, at pointer: String, requireObject: Bool) -> JSON? {
        guard let value = object[key] else { return nil }
        if requireObject, value.objectValue == nil {
            report(Self.pointer(pointer, key), "must be a JSON object")
            return nil
        }
        templateIssues(value, at: Self.pointer(pointer, key))
        return value
    }
}
