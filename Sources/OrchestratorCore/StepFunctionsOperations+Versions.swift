import BatonJSON
import ExecutionStore
import Foundation
import StatesLanguage

/// Versions and aliases: `publish` on Create/UpdateStateMachine, PublishStateMachineVersion, the version and alias
/// actions, StartExecution and DescribeStateMachine by version or alias ARN, DescribeStateMachineForExecution.
extension StepFunctionsOperations {
    /// The versioning and tagging actions served besides the base ones.
    static let versionActions: Set<String> = [
        "PublishStateMachineVersion", "ListStateMachineVersions", "DeleteStateMachineVersion",
        "CreateStateMachineAlias", "DescribeStateMachineAlias", "UpdateStateMachineAlias", "DeleteStateMachineAlias",
        "ListStateMachineAliases", "DescribeStateMachineForExecution", "TagResource", "UntagResource",
        "ListTagsForResource",
    ]

    /// Serves an action when versions, aliases or tags are involved; `nil` when the base action serves it as is.
    func handleVersioning(action: String, fields: RequestFields, traceparent: String?) async throws(APIError) -> JSON? {
        switch action {
        case "CreateStateMachine": return try await createStateMachinePublishing(fields)
        case "UpdateStateMachine": return try await updateStateMachinePublishing(fields)
        case "DescribeStateMachine":
            let arn = try fields.arn("stateMachineArn")
            guard let reference = StateMachineReference(arn), reference.qualifier != nil else { return nil }
            _ = try fields.optionalEnum("includedData", Self.includedData)
            return try await describeQualified(reference, arn: arn)
        case "DeleteStateMachine":
            let arn = try fields.arn("stateMachineArn")
            guard let reference = StateMachineReference(arn), reference.qualifier != nil else { return nil }
            throw APIError(
                .validation, "Qualified state machine ARNs are not allowed: delete a version or an alias instead")
        case "StartExecution":
            let arn = try fields.arn("stateMachineArn")
            guard let reference = StateMachineReference(arn), reference.qualifier != nil else { return nil }
            var request = try Self.startRequest(fields, traceparent: traceparent)
            request = try await pinned(request, reference: reference)
            let started = try await metrics.timeCommit("start") { () async throws(APIError) in
                try await engine.startExecution(
                    stateMachineArn: request.stateMachineArn, name: request.name, input: request.input,
                    traceparent: request.traceparent, pinned: request.pinned)
            }
            metrics.executionStarted()
            return Self.startResponse(started)
        case "PublishStateMachineVersion":
            let reference = try unqualified(try fields.arn("stateMachineArn"))
            let revisionId = try fields.optionalString("revisionId")
            let description = try fields.optionalString(
                "description", length: RequestFields.Length.versionDescription)
            let version = try await engine.publishVersion(
                stateMachineArn: reference.base, revisionId: revisionId, description: description)
            return [
                "stateMachineVersionArn": .string(version.arn),
                "creationDate": .number(version.creationDate.timeIntervalSince1970),
            ]
        case "ListStateMachineVersions": return try await listVersions(fields)
        case "DeleteStateMachineVersion":
            let arn = try fields.string("stateMachineVersionArn", length: 1...2000)
            guard let reference = StateMachineReference(arn) else {
                throw APIError(.invalidArn, "Invalid Arn: '\(arn)'")
            }
            guard let version = reference.versionNumber else {
                throw APIError(.validation, "The ARN must be a state machine version ARN: '\(arn)'")
            }
            try await engine.deleteVersion(stateMachineArn: reference.base, version: version)
            return .object(JSONObject())
        case "CreateStateMachineAlias": return try await createAlias(fields)
        case "DescribeStateMachineAlias": return try await describeAlias(fields)
        case "UpdateStateMachineAlias": return try await updateAlias(fields)
        case "DeleteStateMachineAlias":
            let reference = try aliasReference(try fields.arn("stateMachineAliasArn"))
            try await engine.deleteAlias(arn: "\(reference.base):\(reference.aliasName ?? "")")
            return .object(JSONObject())
        case "ListStateMachineAliases": return try await listAliases(fields)
        case "DescribeStateMachineForExecution": return try await describeStateMachineForExecution(fields)
        case "TagResource", "UntagResource", "ListTagsForResource": return try await handleTags(action, fields)
        case "CreateActivity", "DeleteActivity": return try await handleActivityTags(action: action, fields)
        default: return nil
        }
    }

    // MARK: Create and update with publish

    private func createStateMachinePublishing(_ fields: RequestFields) async throws(APIError) -> JSON? {
        let publish = try fields.optionalBool("publish") ?? false
        let description = try fields.optionalString(
            "versionDescription", length: RequestFields.Length.versionDescription)
        let tags = try fields.tags()
        if description != nil, !publish {
            throw APIError(.validation, "Version description can only be set when publish is true")
        }
        guard publish || !(tags ?? []).isEmpty else { return nil }
        if let tags, Set(tags.map(\.key)).count > ResourceTagRules.maximumCount {
            throw APIError(.tooManyTags, "Too many tags: a resource has at most \(ResourceTagRules.maximumCount) tags")
        }
        // AWS ignores the tags of a CreateStateMachine that answers an existing, identical state machine.
        let name = try fields.string("name")
        let existed = try await read { try await engine.store.stateMachine(name: name) } != nil
        guard case .object(var response) = try await createStateMachine(fields) else { return nil }
        let arn = response["stateMachineArn"]?.stringValue ?? ""
        if let tags, !tags.isEmpty, !existed { try await engine.tagResource(arn: arn, tags: tags) }
        if publish {
            let version = try await engine.publishVersion(
                stateMachineArn: arn, revisionId: nil, description: description)
            response["stateMachineVersionArn"] = .string(version.arn)
        }
        return .object(response)
    }

    private func updateStateMachinePublishing(_ fields: RequestFields) async throws(APIError) -> JSON? {
        let publish = try fields.optionalBool("publish") ?? false
        let description = try fields.optionalString(
            "versionDescription", length: RequestFields.Length.versionDescription)
        if description != nil, !publish {
            throw APIError(.validation, "Version description can only be set when publish is true")
        }
        let arn = try fields.arn("stateMachineArn")
        if let reference = StateMachineReference(arn), reference.qualifier != nil {
            // A version or alias cannot be updated: AWS answers that no such state machine exists.
            throw APIError(.stateMachineDoesNotExist, "State Machine Does Not Exist: '\(arn)'")
        }
        guard publish else { return nil }
        guard case .object(var response) = try await updateStateMachine(fields) else { return nil }
        let version = try await engine.publishVersion(
            stateMachineArn: arn, revisionId: response["revisionId"]?.stringValue, description: description)
        response["stateMachineVersionArn"] = .string(version.arn)
        return .object(response)
    }

    // MARK: Versions

    private func listVersions(_ fields: RequestFields) async throws(APIError) -> JSON {
        let reference = try unqualified(try fields.arn("stateMachineArn"))
        let limit = try fields.maxResults()
        let cursor = try fields.optionalString("nextToken", length: RequestFields.Length.pageToken)
        try await requireMachine(reference.base)
        let page = try await read {
            try await engine.store.listStateMachineVersions(
                stateMachineArn: reference.base, limit: limit, after: cursor)
        }
        var response: JSONObject = [
            "stateMachineVersions": .array(
                page.items.map { version in
                    [
                        "stateMachineVersionArn": .string(version.arn),
                        "creationDate": .number(version.creationDate.timeIntervalSince1970),
                    ]
                })
        ]
        if let next = page.nextCursor { response["nextToken"] = .string(next) }
        return .object(response)
    }

    /// DescribeStateMachine of a version ARN: the version's snapshot. An alias ARN names no state machine of its
    /// own (DescribeStateMachineAlias describes it), so it answers StateMachineDoesNotExist.
    private func describeQualified(_ reference: StateMachineReference, arn: String) async throws(APIError) -> JSON {
        guard let number = reference.versionNumber,
            let machine = try await read({ try await engine.store.stateMachine(arn: reference.base) }),
            let version = try await read({
                try await engine.store.stateMachineVersion(stateMachineArn: reference.base, version: number)
            }),
            let definition = try await read({
                try await engine.store.stateMachineDefinition(arn: reference.base, revision: version.revision)
            })
        else {
            throw APIError(.stateMachineDoesNotExist, "State Machine Does Not Exist: '\(arn)'")
        }
        var snapshot = machine
        snapshot.arn = version.arn
        snapshot.definition = definition
        snapshot.roleArn = version.roleArn
        snapshot.revision = version.revision
        snapshot.creationDate = version.creationDate
        guard case .object(var described) = Self.describe(snapshot) else { return Self.describe(snapshot) }
        if let description = version.description { described["description"] = .string(description) }
        return .object(described)
    }

    /// The request of a StartExecution by version or alias ARN: the unqualified ARN, pinned to the version (for an
    /// alias, one of its versions chosen at random by weight).
    func pinned(_ request: StartRequest, reference: StateMachineReference) async throws(APIError) -> StartRequest {
        let arn = request.stateMachineArn
        var aliasArn: String?
        let number: Int
        switch reference.qualifier {
        case .none: return request
        case .version(let version): number = version
        case .alias(let name):
            aliasArn = "\(reference.base):\(name)"
            guard let alias = try await read({ try await engine.store.stateMachineAlias(arn: aliasArn!) }) else {
                throw APIError(.stateMachineDoesNotExist, "State Machine Does Not Exist: '\(arn)'")
            }
            number = Self.route(alias.routes, roll: Int.random(in: 0..<100))
        }
        guard
            let version = try await read({
                try await engine.store.stateMachineVersion(stateMachineArn: reference.base, version: number)
            })
        else {
            throw APIError(.stateMachineDoesNotExist, "State Machine Does Not Exist: '\(arn)'")
        }
        var pinned = request
        pinned.stateMachineArn = reference.base
        pinned.pinned = PinnedVersion(
            revision: version.revision, roleArn: version.roleArn, versionArn: version.arn, aliasArn: aliasArn)
        return pinned
    }

    /// The version a roll of 0..<100 picks: the first route takes rolls below its weight, the second the rest.
    static func route(_ routes: [StateMachineAliasRecord.Route], roll: Int) -> Int {
        var threshold = 0
        for route in routes {
            threshold += route.weight
            if roll < threshold { return route.version }
        }
        return routes.last(where: { $0.weight > 0 })?.version ?? routes[0].version
    }

    // MARK: Aliases

    private func createAlias(_ fields: RequestFields) async throws(APIError) -> JSON {
        let name = try fields.string("name")
        guard (1...80).contains(name.count) else {
            throw RequestFields.constraint(
                "name",
                name.isEmpty
                    ? "Member must have length greater than or equal to 1"
                    : "Member must have length less than or equal to 80")
        }
        guard AliasName.isValid(name) else {
            throw APIError(
                .validation,
                "1 validation error detected: Value '\(name.prefix(80))' at 'name' failed to satisfy constraint: "
                    + "Member must satisfy regular expression pattern: \(AliasName.pattern)")
        }
        let description = try fields.optionalString("description", length: RequestFields.Length.versionDescription)
        guard let (machine, routes) = try routing(fields, required: true) else {
            throw RequestFields.constraint("routingConfiguration", "Member must not be null")
        }
        let alias = try await engine.createAlias(
            StateMachineAliasRecord(
                stateMachineArn: machine, name: name, description: description, routes: routes, creationDate: Date()))
        return [
            "stateMachineAliasArn": .string(alias.arn),
            "creationDate": .number(alias.creationDate.timeIntervalSince1970),
        ]
    }

    private func describeAlias(_ fields: RequestFields) async throws(APIError) -> JSON {
        let reference = try aliasReference(try fields.arn("stateMachineAliasArn"))
        let arn = "\(reference.base):\(reference.aliasName ?? "")"
        guard let alias = try await read({ try await engine.store.stateMachineAlias(arn: arn) }) else {
            throw APIError(.resourceNotFound, "Request references a resource that does not exist.")
        }
        var described: JSONObject = [
            "stateMachineAliasArn": .string(alias.arn), "name": .string(alias.name),
            "routingConfiguration": .array(
                alias.routes.map {
                    [
                        "stateMachineVersionArn": .string("\(alias.stateMachineArn):\($0.version)"),
                        "weight": .integer(Int64($0.weight)),
                    ]
                }),
            "creationDate": .number(alias.creationDate.timeIntervalSince1970),
            "updateDate": .number(alias.updateDate.timeIntervalSince1970),
        ]
        if let description = alias.description { described["description"] = .string(description) }
        return .object(described)
    }

    private func updateAlias(_ fields: RequestFields) async throws(APIError) -> JSON {
        let reference = try aliasReference(try fields.arn("stateMachineAliasArn"))
        let description = try fields.optionalString("description", length: RequestFields.Length.versionDescription)
        let routing = try routing(fields, required: false)
        if description == nil, routing == nil {
            throw APIError(
                .validation, "Either the description or the routing configuration must be specified")
        }
        if let routing, routing.machine != reference.base {
            throw APIError(
                .validation, "Routing configuration must contain versions of the alias's own state machine")
        }
        let date = try await engine.updateAlias(
            arn: "\(reference.base):\(reference.aliasName ?? "")", description: description, routes: routing?.routes)
        return ["updateDate": .number(date.timeIntervalSince1970)]
    }

    private func listAliases(_ fields: RequestFields) async throws(APIError) -> JSON {
        let arn = try fields.arn("stateMachineArn")
        let limit = try fields.maxResults()
        let cursor = try fields.optionalString("nextToken", length: RequestFields.Length.pageToken)
        guard let reference = StateMachineReference(arn), reference.aliasName == nil else {
            throw APIError(.invalidArn, "Invalid Arn: '\(arn)'")
        }
        try await requireMachine(reference.base)
        if let number = reference.versionNumber {
            guard
                try await read({
                    try await engine.store.stateMachineVersion(stateMachineArn: reference.base, version: number)
                }) != nil
            else { throw APIError(.resourceNotFound, "Request references a resource that does not exist.") }
        }
        let page = try await read {
            try await engine.store.listStateMachineAliases(
                stateMachineArn: reference.base, version: reference.versionNumber, limit: limit, after: cursor)
        }
        var response: JSONObject = [
            "stateMachineAliases": .array(
                page.items.map { alias in
                    [
                        "stateMachineAliasArn": .string(alias.arn),
                        "creationDate": .number(alias.creationDate.timeIntervalSince1970),
                    ]
                })
        ]
        if let next = page.nextCursor { response["nextToken"] = .string(next) }
        return .object(response)
    }

    /// The `routingConfiguration` of an alias request, checked as AWS checks it: one or two items, each a version
    /// ARN (of one state machine, distinct) with a weight of 0–100, the weights summing to 100.
    /// - Returns: the state machine and the routes, or `nil` when absent and not required.
    private func routing(_ fields: RequestFields, required: Bool) throws(APIError)
        -> (machine: String, routes: [StateMachineAliasRecord.Route])?
    {
        guard let items = try fields.optionalObjects("routingConfiguration") else {
            if required { throw RequestFields.constraint("routingConfiguration", "Member must not be null") }
            return nil
        }
        guard !items.isEmpty else {
            throw RequestFields.constraint("routingConfiguration", "Member must have length greater than or equal to 1")
        }
        guard items.count <= 2 else {
            throw RequestFields.constraint("routingConfiguration", "Member must have length less than or equal to 2")
        }
        var arns: [String] = []
        var weights: [Int] = []
        for (index, item) in items.enumerated() {
            let member = RequestFields(body: item, action: fields.action)
            let path = "routingConfiguration.\(index + 1).member"
            guard let arn = try member.optionalString("stateMachineVersionArn", length: RequestFields.Length.arn) else {
                throw RequestFields.constraint("\(path).stateMachineVersionArn", "Member must not be null")
            }
            guard case .integer(let weight)? = item["weight"] else {
                throw RequestFields.constraint("\(path).weight", "Member must not be null")
            }
            guard weight >= 0 else {
                throw RequestFields.constraint("\(path).weight", "Member must have value greater than or equal to 0")
            }
            guard weight <= 100 else {
                throw APIError(
                    .validation,
                    "1 validation error detected: Value '\(weight)' at '\(path).weight' failed to satisfy "
                        + "constraint: Member must have value less than or equal to 100")
            }
            arns.append(arn)
            weights.append(Int(weight))
        }
        let references = arns.map(StateMachineReference.init)
        guard references.allSatisfy({ $0?.versionNumber != nil }) else {
            throw APIError(
                .validation,
                "Routing configuration must contain state machine version ARNs. Received: [\(arns.joined(separator: ", "))]"
            )
        }
        guard Set(arns).count == arns.count else {
            throw APIError(
                .validation,
                "Routing configuration must contain distinct state machine version ARNs. Received: [\(arns.joined(separator: ", "))]"
            )
        }
        let machines = Set(references.compactMap { $0?.base })
        guard machines.count == 1, let machine = machines.first else {
            throw APIError(
                .validation,
                "Routing configuration must contain versions of one state machine. Received: [\(arns.joined(separator: ", "))]"
            )
        }
        guard weights.reduce(0, +) == 100 else {
            throw APIError(
                .validation,
                "Sum of routing configuration weights must equal 100. Received: [\(weights.map(String.init).joined(separator: ", "))]"
            )
        }
        let routes = zip(references, weights).map {
            StateMachineAliasRecord.Route(version: $0!.versionNumber!, weight: $1)
        }
        return (machine, routes)
    }

    // MARK: Helpers

    /// An unqualified state machine ARN.
    /// - Throws: InvalidArn when it is not a state machine ARN, ValidationException when it names a version or
    ///   alias.
    func unqualified(_ arn: String) throws(APIError) -> StateMachineReference {
        guard let reference = StateMachineReference(arn) else { throw APIError(.invalidArn, "Invalid Arn: '\(arn)'") }
        guard reference.qualifier == nil else {
            throw APIError(.validation, "The ARN must be an unqualified state machine ARN: '\(arn)'")
        }
        return reference
    }

    /// An alias ARN.
    /// - Throws: InvalidArn otherwise.
    private func aliasReference(_ arn: String) throws(APIError) -> StateMachineReference {
        guard let reference = StateMachineReference(arn), reference.aliasName != nil else {
            throw APIError(.invalidArn, "Invalid Arn: '\(arn)'")
        }
        return reference
    }

    /// - Throws: StateMachineDoesNotExist when there is no state machine with this unqualified ARN.
    func requireMachine(_ arn: String) async throws(APIError) {
        guard try await read({ try await engine.store.stateMachine(arn: arn) }) != nil else {
            throw APIError(.stateMachineDoesNotExist, "State Machine Does Not Exist: '\(arn)'")
        }
    }
}
