import BatonJSON
import Foundation

/// States whose query language is JSONata: `Arguments` and `Output` instead of the JSONPath fields, Choice rules
/// with `Condition`, and `{% … %}` expressions checked for syntax when the definition is read.
extension DefinitionParser {
    mutating func jsonataState(
        named name: String, _ object: JSONObject, typeName: String, fields: Set<String>, at pointer: String
    ) -> State? {
        var allowed = fields.subtracting(Self.jsonPathOnlyFields).union(Self.commonFields)
        if typeName != "Fail" { allowed.insert("Output") }
        if typeName == "Task" || typeName == "Parallel" { allowed.insert("Arguments") }
        if typeName == "Map" { allowed.insert("Items") }
        if ["Task", "Pass", "Choice", "Wait", "Parallel", "Map"].contains(typeName) { allowed.insert("Assign") }
        for key in object.keys where !allowed.contains(key) {
            if Self.jsonPathOnlyFields.contains(key) {
                report(Self.pointer(pointer, key), "is a JSONPath field; a JSONata state uses Arguments and Output")
            } else {
                report(
                    Self.pointer(pointer, key), Self.unsupportedFields[key] ?? "is not a field of a \(typeName) state")
            }
        }
        guard Self.jsonataTypes.contains(typeName) else {
            report(Self.pointer(pointer, "QueryLanguage"), "JSONata is not supported in a \(typeName) state yet")
            return nil
        }
        readingJSONata = true
        defer { readingJSONata = false }
        let comment = optionalString(object, "Comment", at: pointer)
        var io = StateIO()
        io.arguments = jsonataField(object, "Arguments", at: pointer)
        io.output = jsonataField(object, "Output", at: pointer)
        io.assign = assignField(object, at: pointer)
        let transition = fields.contains("Next") ? self.transition(object, at: pointer) : nil
        if transition == nil, fields.contains("Next"), object["Next"] != nil { transitionsIncomplete = true }
        let kind: State.Kind
        switch typeName {
        case "Task": kind = .task(task(object, at: pointer))
        case "Pass": kind = .pass(PassState(result: nil))
        case "Choice": kind = .choice(jsonataChoice(object, named: name, at: pointer))
        case "Succeed": kind = .succeed
        case "Wait": kind = .wait(jsonataWait(object, at: pointer) ?? .seconds(0))
        case "Parallel": kind = .parallel(parallel(object, at: pointer))
        case "Map":
            var map = self.map(object, at: pointer)
            map.items = jsonataField(object, "Items", at: pointer)
            if let selector = map.itemSelector {
                for issue in JSONataTemplate.syntaxIssues(selector) {
                    report(Self.pointer(pointer, "ItemSelector"), issue)
                }
            }
            kind = .map(map)
        default:
            _ = jsonataField(object, "Error", at: pointer)
            _ = jsonataField(object, "Cause", at: pointer)
            kind = .fail(
                FailState(
                    error: stringSetting(object, "Error", at: pointer),
                    cause: stringSetting(object, "Cause", at: pointer)))
        }
        return State(
            name: name, comment: comment, kind: kind, io: io, transition: transition, queryLanguage: .jsonata)
    }

    /// A JSONata field as written, with the syntax of its expressions checked.
    mutating func jsonataField(_ object: JSONObject, _ key: String, at pointer: String) -> JSON? {
        guard let value = object[key] else { return nil }
        for issue in JSONataTemplate.syntaxIssues(value) { report(Self.pointer(pointer, key), issue) }
        return value
    }

    /// A JSONata Choice state: rules of `Condition` (a `{% … %}` string or a boolean) and `Next`.
    mutating func jsonataChoice(_ object: JSONObject, named name: String, at pointer: String) -> ChoiceState {
        let choicesPointer = Self.pointer(pointer, "Choices")
        let fallback = optionalString(object, "Default", at: pointer)
        if object["Default"] != nil, fallback == nil { transitionsIncomplete = true }
        guard let elements = object["Choices"]?.arrayValue, !elements.isEmpty else {
            report(choicesPointer, object["Choices"] == nil ? "is required" : "must be a non-empty array")
            return ChoiceState(choices: [], default: fallback)
        }
        var rules: [ChoiceRule] = []
        for (index, element) in elements.enumerated() {
            let rulePointer = Self.pointer(choicesPointer, index)
            guard let rule = element.objectValue else {
                report(rulePointer, "must be a JSON object")
                transitionsIncomplete = true
                continue
            }
            for key in rule.keys where !["Condition", "Next", "Comment", "Assign"].contains(key) {
                report(Self.pointer(rulePointer, key), Self.unsupportedFields[key] ?? "is not a field of a Choice rule")
            }
            var condition: JSON?
            switch rule["Condition"] {
            case nil: report(Self.pointer(rulePointer, "Condition"), "is required")
            case .bool(let value)?: condition = .bool(value)
            case .string(let text)? where JSONataTemplate.expression(in: text) != nil:
                condition = .string(text)
                for issue in JSONataTemplate.syntaxIssues(.string(text)) {
                    report(Self.pointer(rulePointer, "Condition"), issue)
                }
            default: report(Self.pointer(rulePointer, "Condition"), "must be a {% … %} expression or a boolean")
            }
            let next = requiredString(rule, "Next", at: rulePointer)
            if next == nil { transitionsIncomplete = true }
            var parsed = ChoiceRule(condition: .or([]), next: next ?? name, jsonataCondition: condition ?? false)
            parsed.assign = assignField(rule, at: rulePointer)
            rules.append(parsed)
        }
        return ChoiceState(choices: rules, default: fallback)
    }

    /// `Assign`: an object of variable names (a letter or `_`, then letters, digits or `_`; at most 80
    /// characters; not `states`) to values. In a JSONata state a value may hold `{% … %}` expressions; in a
    /// JSONPath state it is a payload template: a name ending in `.$` takes a path or an intrinsic function, and
    /// the variable is the name without `.$`.
    mutating func assignField(_ object: JSONObject, at pointer: String) -> JSON? {
        guard let value = object["Assign"] else { return nil }
        let fieldPointer = Self.pointer(pointer, "Assign")
        guard let members = value.objectValue else {
            report(fieldPointer, "must be a JSON object")
            return nil
        }
        var seen: Set<String> = []
        for (key, member) in members {
            let name = readingJSONata ? key : Self.variableName(key)
            let memberPointer = Self.pointer(fieldPointer, key)
            if !Self.isVariableName(name) {
                report(
                    memberPointer,
                    "is not a valid variable name (a letter or _, then letters, digits or _; at most 80 characters)")
            } else if name == "states" {
                report(memberPointer, "is reserved")
            } else if !seen.insert(name).inserted {
                report(memberPointer, "assigns the variable '\(name)' a second time")
            }
            if readingJSONata {
                for issue in JSONataTemplate.syntaxIssues(member) { report(memberPointer, issue) }
            }
        }
        if !readingJSONata { templateIssues(value, at: fieldPointer) }
        return value
    }

    /// The variable a JSONPath `Assign` member sets: its name without a trailing `.$`.
    static func variableName(_ key: String) -> String {
        key.hasSuffix(".$") ? String(key.dropLast(2)) : key
    }

    static func isVariableName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 80 else { return false }
        func isLetter(_ scalar: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "_"
        }
        return isLetter(first) && name.unicodeScalars.allSatisfy { isLetter($0) || ("0"..."9").contains($0) }
    }

    /// A JSONata Wait: exactly one of `Seconds` (a non-negative integer or an expression) and `Timestamp` (an
    /// RFC 3339 timestamp or an expression).
    mutating func jsonataWait(_ object: JSONObject, at pointer: String) -> WaitState? {
        let given = ["Seconds", "Timestamp"].filter { object[$0] != nil }
        guard given.count == 1 else {
            report(pointer, "must have exactly one of Seconds, Timestamp")
            return nil
        }
        let key = given[0]
        if case .string(let text)? = object[key], JSONataTemplate.expression(in: text) != nil {
            _ = jsonataField(object, key, at: pointer)
            return key == "Seconds" ? .secondsExpression(text) : .timestampExpression(text)
        }
        return wait(object, at: pointer)
    }

    /// The variables a state assigns: its own `Assign`, its Choice rules' and its catchers'.
    static func assignedNames(_ state: State) -> [String] {
        var blocks = [state.io.assign] + state.catchers.map(\.assign)
        if case .choice(let choice) = state.kind { blocks += choice.choices.map(\.assign) }
        return blocks.compactMap { $0?.objectValue?.keys }.flatMap { $0 }.map(variableName)
    }

    /// A Parallel branch or Map iteration may read the variables of the machines it runs in but not assign them.
    static func variableScopeIssues(
        _ machine: StateMachineDefinition, outer: Set<String>, at pointer: String
    ) -> [DefinitionIssue] {
        var issues: [DefinitionIssue] = []
        var here = outer
        for name in machine.stateNames {
            here.formUnion(assignedNames(machine.states[name] ?? State(name: name, kind: .succeed, transition: nil)))
        }
        for name in machine.stateNames {
            guard let state = machine.states[name] else { continue }
            let statePointer = Self.pointer(Self.pointer(pointer, "States"), name)
            for variable in assignedNames(state) where outer.contains(variable) {
                issues.append(
                    DefinitionIssue(
                        Self.pointer(Self.pointer(statePointer, "Assign"), variable),
                        "is assigned by an enclosing state machine; a Parallel branch or Map iteration cannot assign it"
                    ))
            }
            switch state.kind {
            case .parallel(let parallel):
                for (index, branch) in parallel.branches.enumerated() {
                    let branchPointer = Self.pointer(Self.pointer(statePointer, "Branches"), index)
                    issues += variableScopeIssues(branch, outer: here, at: branchPointer)
                }
            case .map(let map):
                issues += variableScopeIssues(
                    map.itemProcessor, outer: here, at: Self.pointer(statePointer, "ItemProcessor"))
            default:
                break
            }
        }
        return issues
    }
}
