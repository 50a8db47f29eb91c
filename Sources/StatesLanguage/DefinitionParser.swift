import BatonJSON
import Foundation

extension StateMachineDefinition {
    /// Parses and validates a definition's JSON text, collecting every issue.
    ///
    /// - Parameters:
    ///   - text: the Amazon States Language JSON text; at most `maximumDefinitionBytes` of UTF-8.
    ///   - resourceValidator: checks each Task `Resource`; returns an error message for a resource the
    ///     orchestrator cannot run (reported at `/States/X/Resource`), `nil` when it is fine.
    /// - Throws: `DefinitionError` with every issue found (oversized text and malformed JSON are single issues
    ///   at the pointer `""`).
    public static func parse(
        _ text: String,
        resourceValidator: ((String) -> String?)? = nil
    ) throws(DefinitionError) -> StateMachineDefinition {
        let size = text.utf8.count
        guard size <= maximumDefinitionBytes else {
            throw DefinitionError(issues: [
                DefinitionIssue("", "definition is \(size) bytes; the limit is \(maximumDefinitionBytes) bytes (1 MiB)")
            ])
        }
        let json: JSON
        do {
            json = try JSON(parsing: text)
        } catch {
            throw DefinitionError(issues: [DefinitionIssue("", error.description)])
        }
        return try parse(json: json, resourceValidator: resourceValidator)
    }

    /// Validates an already-parsed JSON definition and builds the model, collecting every issue.
    ///
    /// - Parameters:
    ///   - json: the definition as a JSON value.
    ///   - resourceValidator: see `parse(_:resourceValidator:)`.
    /// - Throws: `DefinitionError` with every issue found.
    public static func parse(
        json: JSON,
        resourceValidator: ((String) -> String?)? = nil
    ) throws(DefinitionError) -> StateMachineDefinition {
        var parser = DefinitionParser(resourceValidator: resourceValidator)
        let machine = parser.machine(json, at: "", kind: .topLevel)
        if let machine { parser.issues += DefinitionParser.variableScopeIssues(machine, outer: [], at: "") }
        guard parser.issues.isEmpty, let machine else { throw DefinitionError(issues: parser.issues) }
        return machine
    }
}

/// Reads a definition's JSON into the model, reporting every field-level issue; graph rules (targets,
/// reachability) are checked by `DefinitionValidator` once a machine's states are read.
struct DefinitionParser {
    /// Where a state machine appears, which decides the fields it may have.
    enum MachineKind {
        case topLevel, branch, itemProcessor, iterator
    }

    var issues: [DefinitionIssue] = []
    /// The state machine's `QueryLanguage`, which states (nested ones too) use unless they give their own.
    var defaultLanguage = QueryLanguage.jsonPath
    /// Whether the state being read is a JSONata state (its catchers take Output and Assign).
    var readingJSONata = false
    /// Set when a state's outgoing transitions could not be read, so unreachable-state reports would be noise.
    var transitionsIncomplete = false
    let resourceValidator: ((String) -> String?)?

    init(resourceValidator: ((String) -> String?)?) {
        self.resourceValidator = resourceValidator
    }

    mutating func report(_ pointer: String, _ message: String) {
        issues.append(DefinitionIssue(pointer, message))
    }

    /// Appends a reference token to a JSON pointer, escaping `~` and `/` as RFC 6901 requires.
    static func pointer(_ base: String, _ token: String) -> String {
        base + "/" + token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    static func pointer(_ base: String, _ index: Int) -> String { base + "/" + String(index) }

    mutating func machine(_ json: JSON, at pointer: String, kind: MachineKind) -> StateMachineDefinition? {
        guard let object = json.objectValue else {
            report(pointer, "must be a JSON object")
            return nil
        }
        var allowed: Set<String> = ["StartAt", "States", "Comment"]
        switch kind {
        case .topLevel: allowed.formUnion(["Version", "TimeoutSeconds", "QueryLanguage"])
        case .itemProcessor: allowed.insert("ProcessorConfig")
        case .branch, .iterator: break
        }
        rejectUnknownFields(object, allowed: allowed, at: pointer, owner: kind.owner)
        let startAt = requiredString(object, "StartAt", at: pointer)
        let comment = optionalString(object, "Comment", at: pointer)
        let version = optionalString(object, "Version", at: pointer)
        let timeoutSeconds = positiveInteger(object, "TimeoutSeconds", at: pointer)
        if kind == .topLevel { defaultLanguage = queryLanguage(object, at: pointer) ?? .jsonPath }
        if kind == .itemProcessor {
            processorConfig(object["ProcessorConfig"], at: Self.pointer(pointer, "ProcessorConfig"))
        }

        let outerIncomplete = transitionsIncomplete
        transitionsIncomplete = false
        defer { transitionsIncomplete = outerIncomplete }
        var states: [String: State] = [:]
        var names: [String] = []
        let statesPointer = Self.pointer(pointer, "States")
        switch object["States"] {
        case nil: report(statesPointer, "is required")
        case .object(let members) where !members.isEmpty:
            for (name, value) in members {
                names.append(name)
                if let state = state(named: name, value, at: Self.pointer(statesPointer, name)) {
                    states[name] = state
                } else {
                    transitionsIncomplete = true
                }
            }
        default: report(statesPointer, "must be a non-empty JSON object")
        }
        guard let startAt else { return nil }
        let definition = StateMachineDefinition(
            startAt: startAt, states: states, stateNames: names, comment: comment, version: version,
            timeoutSeconds: timeoutSeconds)
        guard !names.isEmpty else { return nil }
        issues += DefinitionValidator.graphIssues(
            of: definition, at: pointer, checkReachability: !transitionsIncomplete)
        return definition
    }

    mutating func queryLanguage(_ object: JSONObject, at pointer: String) -> QueryLanguage? {
        guard let value = object["QueryLanguage"] else { return nil }
        guard let language = value.stringValue.flatMap(QueryLanguage.init(rawValue:)) else {
            report(Self.pointer(pointer, "QueryLanguage"), "must be JSONPath or JSONata")
            return nil
        }
        return language
    }

    mutating func processorConfig(_ json: JSON?, at pointer: String) {
        guard let json else { return }
        guard let object = json.objectValue else { return report(pointer, "must be a JSON object") }
        rejectUnknownFields(object, allowed: ["Mode", "ExecutionType"], at: pointer, owner: "a ProcessorConfig")
        switch object["Mode"] {
        case nil, .string("INLINE"): break
        case .string("DISTRIBUTED"):
            report(Self.pointer(pointer, "Mode"), "DISTRIBUTED mode (Distributed Map) is not supported; only INLINE")
        default: report(Self.pointer(pointer, "Mode"), "must be INLINE or DISTRIBUTED")
        }
        switch object["ExecutionType"] {
        case nil, .string("STANDARD"), .string("EXPRESS"): break
        default: report(Self.pointer(pointer, "ExecutionType"), "must be STANDARD or EXPRESS")
        }
    }
}

extension DefinitionParser.MachineKind {
    /// How issues about unknown fields name the object.
    var owner: String {
        switch self {
        case .topLevel: "a state machine"
        case .branch: "a Parallel branch"
        case .itemProcessor: "an ItemProcessor"
        case .iterator: "an Iterator"
        }
    }
}
