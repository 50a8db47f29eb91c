import BatonJSON
import Foundation

extension DefinitionParser {
    /// AWS's limit on MaxDelaySeconds: less than 31622401 (one leap year).
    static let maximumDelaySeconds = 31_622_400

    mutating func retriers(_ json: JSON?, at pointer: String) -> [Retrier] {
        guard let elements = policyArray(json, at: pointer) else { return [] }
        var retriers: [Retrier] = []
        for (index, element) in elements.enumerated() {
            let elementPointer = Self.pointer(pointer, index)
            guard let object = element.objectValue else {
                report(elementPointer, "must be a JSON object")
                continue
            }
            rejectUnknownFields(
                object,
                allowed: [
                    "ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds",
                    "JitterStrategy", "Comment",
                ],
                at: elementPointer, owner: "a retrier")
            _ = optionalString(object, "Comment", at: elementPointer)
            var retrier = Retrier(
                errorEquals: errorEquals(
                    object, at: elementPointer, isLast: index == elements.count - 1,
                    owner: "retrier"))
            if let interval = integer(object, "IntervalSeconds", at: elementPointer, minimum: 1) {
                retrier.intervalSeconds = interval
            }
            if let attempts = integer(object, "MaxAttempts", at: elementPointer, minimum: 0) {
                retrier.maxAttempts = attempts
            }
            if let rate = object["BackoffRate"] {
                if let value = rate.doubleValue, value >= 1.0, value.isFinite {
                    retrier.backoffRate = value
                } else {
                    report(Self.pointer(elementPointer, "BackoffRate"), "must be a number greater than or equal to 1.0")
                }
            }
            retrier.maxDelaySeconds = integer(
                object, "MaxDelaySeconds", at: elementPointer, minimum: 1, maximum: Self.maximumDelaySeconds)
            if let jitter = object["JitterStrategy"] {
                if let strategy = jitter.stringValue.flatMap(JitterStrategy.init(rawValue:)) {
                    retrier.jitterStrategy = strategy
                } else {
                    report(Self.pointer(elementPointer, "JitterStrategy"), "must be FULL or NONE")
                }
            }
            retriers.append(retrier)
        }
        return retriers
    }

    mutating func catchers(_ json: JSON?, at pointer: String) -> [Catcher] {
        guard let elements = policyArray(json, at: pointer) else { return [] }
        var catchers: [Catcher] = []
        for (index, element) in elements.enumerated() {
            let elementPointer = Self.pointer(pointer, index)
            guard let object = element.objectValue else {
                report(elementPointer, "must be a JSON object")
                transitionsIncomplete = true
                continue
            }
            if readingJSONata {
                for key in object.keys where !["ErrorEquals", "Next", "Output", "Assign", "Comment"].contains(key) {
                    report(
                        Self.pointer(elementPointer, key),
                        key == "ResultPath"
                            ? "is a JSONPath field; a JSONata state uses Arguments and Output"
                            : "is not a field of a catcher")
                }
            } else {
                rejectUnknownFields(
                    object, allowed: ["ErrorEquals", "Next", "ResultPath", "Assign", "Comment"], at: elementPointer,
                    owner: "a catcher")
            }
            _ = optionalString(object, "Comment", at: elementPointer)
            let errors = errorEquals(object, at: elementPointer, isLast: index == elements.count - 1, owner: "catcher")
            let resultPath =
                readingJSONata
                ? PathSetting.absent
                : pathSetting(object, "ResultPath", at: elementPointer, requireReference: true, allowContext: false)
            guard let next = requiredString(object, "Next", at: elementPointer) else {
                transitionsIncomplete = true
                continue
            }
            var catcher = Catcher(errorEquals: errors, next: next, resultPath: resultPath)
            if readingJSONata { catcher.output = jsonataField(object, "Output", at: elementPointer) }
            catcher.assign = assignField(object, at: elementPointer)
            catchers.append(catcher)
        }
        return catchers
    }

    private mutating func policyArray(_ json: JSON?, at pointer: String) -> [JSON]? {
        guard let json else { return nil }
        guard let elements = json.arrayValue else {
            report(pointer, "must be an array")
            return nil
        }
        return elements
    }

    /// ErrorEquals: a non-empty array of strings; States.ALL only alone and only in the last retrier/catcher.
    private mutating func errorEquals(_ object: JSONObject, at pointer: String, isLast: Bool, owner: String) -> [String]
    {
        let fieldPointer = Self.pointer(pointer, "ErrorEquals")
        guard let value = object["ErrorEquals"] else {
            report(fieldPointer, "is required")
            return []
        }
        guard let elements = value.arrayValue, !elements.isEmpty else {
            report(fieldPointer, "must be a non-empty array of strings")
            return []
        }
        let names = elements.compactMap(\.stringValue)
        guard names.count == elements.count else {
            report(fieldPointer, "must be a non-empty array of strings")
            return names
        }
        if names.contains(StatesError.Name.all) {
            if names.count > 1 { report(fieldPointer, "States.ALL must appear alone in ErrorEquals") }
            if !isLast { report(fieldPointer, "States.ALL must only appear in the last \(owner)") }
        }
        return names
    }
}
