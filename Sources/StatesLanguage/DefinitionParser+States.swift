import BatonJSON
import Foundation

extension DefinitionParser {
    static let commonFields: Set<String> = ["Type", "Comment", "QueryLanguage"]
    static let flowFields: Set<String> = ["Next", "End", "InputPath", "OutputPath", "Assign"]
    static let resultFields: Set<String> = ["ResultPath", "ResultSelector", "Retry", "Catch"]

    /// The fields each state type allows, beyond `commonFields`.
    static let fieldsByType: [String: Set<String>] = [
        "Task": flowFields.union(resultFields).union([
            "Resource", "Parameters", "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds",
            "HeartbeatSecondsPath", "Credentials",
        ]),
        "Pass": flowFields.union(["Result", "ResultPath", "Parameters"]),
        "Choice": ["Choices", "Default", "InputPath", "OutputPath", "Assign"],
        "Wait": flowFields.union(["Seconds", "SecondsPath", "Timestamp", "TimestampPath"]),
        "Succeed": ["InputPath", "OutputPath"],
        "Fail": ["Error", "ErrorPath", "Cause", "CausePath"],
        "Parallel": flowFields.union(resultFields).union(["Branches", "Parameters"]),
        "Map": flowFields.union(resultFields).union([
            "ItemsPath", "ItemSelector", "Parameters", "MaxConcurrency", "MaxConcurrencyPath", "ItemProcessor",
            "Iterator", "ToleratedFailurePercentage", "ToleratedFailurePercentagePath", "ToleratedFailureCount",
            "ToleratedFailureCountPath",
        ]),
    ]

    /// Fields only JSONPath states have; a JSONata state reports them.
    static let jsonPathOnlyFields: Set<String> = [
        "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Result", "TimeoutSecondsPath",
        "HeartbeatSecondsPath", "SecondsPath", "TimestampPath", "ErrorPath", "CausePath", "ItemsPath",
        "MaxConcurrencyPath", "ToleratedFailurePercentagePath", "ToleratedFailureCountPath",
    ]

    /// The state types Baton runs in JSONata so far.
    static let jsonataTypes: Set<String> = ["Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"]

    /// AWS's limit on state name length.
    static let maximumStateNameLength = 80

    mutating func state(named name: String, _ json: JSON, at pointer: String) -> State? {
        // A nested machine's states are read inside their Parallel or Map state; each sets this for itself.
        let outerReadingJSONata = readingJSONata
        readingJSONata = false
        defer { readingJSONata = outerReadingJSONata }
        if name.isEmpty { report(pointer, "state name must not be empty") }
        if name.count > Self.maximumStateNameLength {
            report(pointer, "state name must be at most \(Self.maximumStateNameLength) characters")
        }
        guard let object = json.objectValue else {
            report(pointer, "must be a JSON object")
            return nil
        }
        guard let typeName = requiredString(object, "Type", at: pointer) else { return nil }
        guard let fields = Self.fieldsByType[typeName] else {
            report(Self.pointer(pointer, "Type"), "unknown state type \"\(typeName)\"")
            return nil
        }
        let ownLanguage = queryLanguage(object, at: pointer)
        if ownLanguage == .jsonPath && defaultLanguage == .jsonata {
            report(
                Self.pointer(pointer, "QueryLanguage"),
                "cannot be JSONPath when the state machine's QueryLanguage is JSONata")
        }
        let language = ownLanguage ?? defaultLanguage
        if language == .jsonata {
            return jsonataState(named: name, object, typeName: typeName, fields: fields, at: pointer)
        }
        rejectUnknownFields(object, allowed: fields.union(Self.commonFields), at: pointer, owner: "a \(typeName) state")
        let comment = optionalString(object, "Comment", at: pointer)
        var io = StateIO(
            inputPath: pathSetting(object, "InputPath", at: pointer),
            outputPath: pathSetting(object, "OutputPath", at: pointer),
            resultPath: pathSetting(object, "ResultPath", at: pointer, requireReference: true, allowContext: false),
            parameters: typeName == "Map" ? nil : template(object, "Parameters", at: pointer, requireObject: false),
            resultSelector: template(object, "ResultSelector", at: pointer, requireObject: true))
        io.assign = assignField(object, at: pointer)
        let transition = fields.contains("Next") ? self.transition(object, at: pointer) : nil
        let kind: State.Kind?
        switch typeName {
        case "Task": kind = .task(task(object, at: pointer))
        case "Pass": kind = .pass(PassState(result: object["Result"]))
        case "Choice": kind = .choice(choice(object, named: name, at: pointer))
        case "Wait": kind = wait(object, at: pointer).map { .wait($0) }
        case "Succeed": kind = .succeed
        case "Fail":
            kind = .fail(
                FailState(
                    error: stringSetting(object, "Error", at: pointer),
                    cause: stringSetting(object, "Cause", at: pointer)))
        case "Parallel": kind = .parallel(parallel(object, at: pointer))
        default: kind = .map(map(object, at: pointer))
        }
        // A state with issues is still returned (with a placeholder where a value is missing) so the graph
        // checks see its transitions; the definition itself is never returned once an issue was reported.
        if transition == nil, fields.contains("Next"), object["Next"] != nil { transitionsIncomplete = true }
        return State(name: name, comment: comment, kind: kind ?? .wait(.seconds(0)), io: io, transition: transition)
    }

    mutating func transition(_ object: JSONObject, at pointer: String) -> Transition? {
        let next = object["Next"]
        let end = object["End"]
        if next != nil, let end, end != .bool(false) {
            report(pointer, "must not have both Next and End")
            return nil
        }
        if next != nil {
            return optionalString(object, "Next", at: pointer).map { .next($0) }
        }
        if let end {
            guard let isEnd = end.boolValue else {
                report(Self.pointer(pointer, "End"), "must be a boolean")
                return nil
            }
            if isEnd { return .end }
        }
        report(pointer, "must have Next or End: true")
        return nil
    }

    mutating func task(_ object: JSONObject, at pointer: String) -> TaskState {
        let resource = requiredString(object, "Resource", at: pointer)
        if let resource, let message = resourceValidator?(resource) {
            report(Self.pointer(pointer, "Resource"), message)
        }
        let timeout = secondsSetting(object, "TimeoutSeconds", at: pointer)
        let heartbeat = secondsSetting(object, "HeartbeatSeconds", at: pointer)
        if case .seconds(let timeoutSeconds)? = timeout, case .seconds(let heartbeatSeconds)? = heartbeat,
            heartbeatSeconds >= timeoutSeconds
        {
            report(Self.pointer(pointer, "HeartbeatSeconds"), "must be smaller than TimeoutSeconds")
        }
        let retry = retriers(object["Retry"], at: Self.pointer(pointer, "Retry"))
        let catchers = catchers(object["Catch"], at: Self.pointer(pointer, "Catch"))
        return TaskState(
            resource: resource ?? "", timeout: timeout, heartbeat: heartbeat, retry: retry, catch: catchers,
            credentials: object["Credentials"])
    }

    mutating func wait(_ object: JSONObject, at pointer: String) -> WaitState? {
        let given = ["Seconds", "SecondsPath", "Timestamp", "TimestampPath"].filter { object[$0] != nil }
        guard given.count == 1 else {
            report(pointer, "must have exactly one of Seconds, SecondsPath, Timestamp, TimestampPath")
            return nil
        }
        switch given[0] {
        case "Seconds": return integer(object, "Seconds", at: pointer, minimum: 0).map { .seconds($0) }
        case "SecondsPath": return referencePath(object, "SecondsPath", at: pointer).map { .secondsPath($0) }
        case "TimestampPath": return referencePath(object, "TimestampPath", at: pointer).map { .timestampPath($0) }
        default:
            guard let timestamp = optionalString(object, "Timestamp", at: pointer) else { return nil }
            guard RFC3339Timestamp(parsing: timestamp) != nil else {
                report(Self.pointer(pointer, "Timestamp"), "must be an RFC 3339 timestamp")
                return nil
            }
            return .timestamp(timestamp)
        }
    }

    mutating func parallel(_ object: JSONObject, at pointer: String) -> ParallelState {
        let branchesPointer = Self.pointer(pointer, "Branches")
        var branches: [StateMachineDefinition] = []
        switch object["Branches"] {
        case nil: report(branchesPointer, "is required")
        case .array(let elements) where !elements.isEmpty:
            for (index, element) in elements.enumerated() {
                // A branch that fails to read is left out: its issues are reported, the outer graph is unaffected.
                if let branch = machine(element, at: Self.pointer(branchesPointer, index), kind: .branch) {
                    branches.append(branch)
                }
            }
        default: report(branchesPointer, "must be a non-empty array")
        }
        let retry = retriers(object["Retry"], at: Self.pointer(pointer, "Retry"))
        let catchers = catchers(object["Catch"], at: Self.pointer(pointer, "Catch"))
        return ParallelState(branches: branches, retry: retry, catch: catchers)
    }

    mutating func map(_ object: JSONObject, at pointer: String) -> MapState {
        if object["ItemSelector"] != nil, object["Parameters"] != nil {
            report(Self.pointer(pointer, "Parameters"), "must not be given together with ItemSelector")
        }
        let itemSelector =
            template(object, "ItemSelector", at: pointer, requireObject: true)
            ?? template(object, "Parameters", at: pointer, requireObject: true)
        let itemsPath = pathSetting(object, "ItemsPath", at: pointer, requireReference: true)
        if itemsPath == .null { report(Self.pointer(pointer, "ItemsPath"), "must be a string") }
        let maxConcurrency = secondsSetting(object, "MaxConcurrency", at: pointer, minimum: 0)
        let percentage = toleratedFailurePercentage(object, at: pointer)
        let count = secondsSetting(object, "ToleratedFailureCount", at: pointer, minimum: 0)
        let processor: StateMachineDefinition?
        switch (object["ItemProcessor"], object["Iterator"]) {
        case (let json?, nil):
            processor = machine(json, at: Self.pointer(pointer, "ItemProcessor"), kind: .itemProcessor)
        case (nil, let json?):
            processor = machine(json, at: Self.pointer(pointer, "Iterator"), kind: .iterator)
        case (.some, .some):
            report(Self.pointer(pointer, "Iterator"), "must not be given together with ItemProcessor")
            processor = nil
        case (nil, nil):
            report(Self.pointer(pointer, "ItemProcessor"), "is required")
            processor = nil
        }
        let retry = retriers(object["Retry"], at: Self.pointer(pointer, "Retry"))
        let catchers = catchers(object["Catch"], at: Self.pointer(pointer, "Catch"))
        var toleratedCount: Int?
        if case .seconds(let value)? = count { toleratedCount = value }
        return MapState(
            itemsPath: itemsPath, itemSelector: itemSelector, maxConcurrency: maxConcurrency,
            itemProcessor: processor ?? StateMachineDefinition(startAt: "", states: [:]),
            toleratedFailurePercentage: percentage, toleratedFailureCount: toleratedCount,
            retry: retry, catch: catchers)
    }

    mutating func toleratedFailurePercentage(_ object: JSONObject, at pointer: String) -> Double? {
        let key = "ToleratedFailurePercentage"
        if object[key] != nil, object[key + "Path"] != nil {
            report(Self.pointer(pointer, key + "Path"), "must not be given together with \(key)")
        }
        _ = referencePath(object, key + "Path", at: pointer)
        guard let value = object[key] else { return nil }
        guard let number = value.doubleValue, (0...100).contains(number) else {
            report(Self.pointer(pointer, key), "must be a number from 0 to 100")
            return nil
        }
        return number
    }
}
