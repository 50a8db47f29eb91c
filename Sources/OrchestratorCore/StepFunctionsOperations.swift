import BatonJSON
import BatonProtocol
import ExecutionStore
import Foundation
import StatesLanguage

/// The AWS Step Functions actions, with AWS's request and response shapes, served by the engine. Both doors use
/// it — the HTTP API (`StepFunctionsAPI`) and the broker's command queue (`CommandService`) — so a request gets
/// the same answer and the same error types through either.
public struct StepFunctionsOperations: Sendable {
    let engine: Engine
    let metrics: OrchestratorMetrics
    /// Reaches the other orchestrator shards; `nil` with one orchestrator.
    let router: ShardRouter?
    /// The broker, for GetActivityTask (activity tasks wait in its queues); `nil` where no broker runs (tests
    /// of the HTTP layer), and GetActivityTask then answers ServiceUnavailable.
    let bus: (any MessageBus)?

    /// Creates the operations over an engine.
    /// - Parameters:
    ///   - engine: this orchestrator's engine.
    ///   - router: the other shards, when there are several; requests for them are forwarded.
    ///   - metrics: counts started executions and SendTask* callbacks and times the commits.
    ///   - bus: the broker, for GetActivityTask.
    public init(
        engine: Engine, router: ShardRouter? = nil, metrics: OrchestratorMetrics = OrchestratorMetrics(),
        bus: (any MessageBus)? = nil
    ) {
        self.engine = engine
        self.bus = bus
        self.router = router.flatMap { $0.map.isSharded ? $0 : nil }
        self.metrics = metrics
    }

    /// Which executions a request may reach.
    public enum Scope: Sendable {
        /// Any shard's: requests for another shard are forwarded to it (the default, both doors).
        case routed
        /// This shard's store only (a request another shard already routed here).
        case local
    }

    /// The actions served.
    public static let actions: Set<String> = Set<String>([
        "CreateStateMachine", "DescribeStateMachine", "ListStateMachines", "UpdateStateMachine",
        "DeleteStateMachine", "ValidateStateMachineDefinition", "StartExecution", "DescribeExecution",
        "ListExecutions", "GetExecutionHistory", "StopExecution", "SendTaskSuccess", "SendTaskFailure",
        "SendTaskHeartbeat", "CreateActivity", "DeleteActivity", "DescribeActivity", "ListActivities",
        "GetActivityTask", "TestState", "RedriveExecution",
    ]).union(versionActions)

    static let machineTypes = ["STANDARD", "EXPRESS"]
    static let includedData = ["ALL_DATA", "METADATA_ONLY"]

    /// Runs one action.
    /// - Parameters:
    ///   - action: the AWS action name, e.g. `StartExecution`.
    ///   - request: the request body (a JSON object).
    ///   - traceparent: the W3C `traceparent` the request arrived with (HTTP or AMQP header), if any. A
    ///     StartExecution without a `traceHeader` field carries it, or a fresh one when it is absent or invalid.
    ///   - scope: whether the request may be forwarded to another shard.
    /// - Returns: the response body.
    /// - Throws: `APIError` with AWS's error type.
    public func handle(action: String, request: JSON, traceparent: String? = nil, scope: Scope = .routed)
        async throws(APIError) -> JSON
    {
        guard action.hasPrefix("SendTask") else {
            return try await perform(action: action, request: request, traceparent: traceparent, scope: scope)
        }
        let start = ContinuousClock.now
        do {
            let response = try await metrics.timeCommit("callback") { () async throws(APIError) in
                try await perform(action: action, request: request, traceparent: traceparent, scope: scope)
            }
            metrics.callback(action: action, door: .api, errorType: nil, duration: ContinuousClock.now - start)
            return response
        } catch {
            metrics.callback(
                action: action, door: .api, errorType: error.code.name, duration: ContinuousClock.now - start)
            throw error
        }
    }

    private func perform(action: String, request: JSON, traceparent: String?, scope: Scope)
        async throws(APIError) -> JSON
    {
        guard case .object(var body) = request else {
            throw APIError(.serialization, "the request body must be a JSON object")
        }
        if scope == .routed, let router {
            // The owner shard takes the trace context from the request body when the start is forwarded.
            if action == "StartExecution", body["traceHeader"] == nil, let traceparent, TraceParent.isValid(traceparent)
            {
                body["traceHeader"] = .string(traceparent)
            }
            return try await handle(action: action, body: body, router: router)
        }
        return try await handleLocally(action: action, body: body, traceparent: traceparent)
    }

    /// Runs one action on this shard's store.
    func handleLocally(action: String, body: JSONObject, traceparent: String? = nil) async throws(APIError) -> JSON {
        let fields = RequestFields(body: body, action: action)
        if let answer = try await handleVersioning(action: action, fields: fields, traceparent: traceparent) {
            return answer
        }
        switch action {
        case "CreateStateMachine": return try await createStateMachine(fields)
        case "DescribeStateMachine": return try await describeStateMachine(fields)
        case "ListStateMachines": return try await listStateMachines(fields)
        case "UpdateStateMachine": return try await updateStateMachine(fields)
        case "DeleteStateMachine":
            try await engine.deleteStateMachine(arn: try fields.arn("stateMachineArn"))
            return .object(JSONObject())
        case "ValidateStateMachineDefinition": return try validate(fields)
        case "TestState": return try testState(fields)
        case "StartExecution": return try await startExecution(fields, traceparent: traceparent)
        case "DescribeExecution": return try await describeExecution(fields)
        case "ListExecutions": return try await listExecutions(fields)
        case "GetExecutionHistory": return try await history(fields)
        case "RedriveExecution": return try await redriveExecution(fields)
        case "StopExecution":
            let (arn, error, cause) = (
                try fields.arn("executionArn"),
                try fields.optionalString("error", length: RequestFields.Length.error),
                try fields.optionalString("cause", length: RequestFields.Length.cause)
            )
            let date = try await metrics.timeCommit("stop") { () async throws(APIError) in
                try await engine.stopExecution(executionArn: arn, error: error, cause: cause)
            }
            return ["stopDate": .number(date.timeIntervalSince1970)]
        case "SendTaskSuccess":
            try await engine.sendTaskSuccess(
                taskToken: try fields.string("taskToken", length: RequestFields.Length.taskToken),
                output: try fields.string("output"))
            return .object(JSONObject())
        case "SendTaskFailure":
            try await engine.sendTaskFailure(
                taskToken: try fields.string("taskToken", length: RequestFields.Length.taskToken),
                error: try fields.optionalString("error", length: RequestFields.Length.error),
                cause: try fields.optionalString("cause", length: RequestFields.Length.cause))
            return .object(JSONObject())
        case "SendTaskHeartbeat":
            try await engine.sendTaskHeartbeat(
                taskToken: try fields.string("taskToken", length: RequestFields.Length.taskToken))
            return .object(JSONObject())
        case "CreateActivity", "DeleteActivity", "DescribeActivity", "ListActivities", "GetActivityTask":
            return try await handleActivity(action: action, fields)
        case Self.activityStartedAction:
            return try await activityStarted(fields)
        default:
            throw APIError(.unknownOperation, "Baton does not serve the action '\(action.prefix(100))'")
        }
    }

    func createStateMachine(_ fields: RequestFields) async throws(APIError) -> JSON {
        // roleArn is required by AWS; Baton runs no IAM, so it is optional here (every AWS client sends it).
        _ = try fields.optionalString("versionDescription", length: RequestFields.Length.versionDescription)
        let record = try await engine.createStateMachine(
            name: try fields.string("name"),
            definition: try fields.string("definition", length: RequestFields.Length.definition),
            roleArn: try fields.optionalArn("roleArn") ?? "",
            type: try fields.optionalEnum("type", Self.machineTypes) ?? "STANDARD")
        return [
            "stateMachineArn": .string(record.arn), "creationDate": .number(record.creationDate.timeIntervalSince1970),
        ]
    }

    private func describeStateMachine(_ fields: RequestFields) async throws(APIError) -> JSON {
        let arn = try fields.arn("stateMachineArn")
        let included = try fields.optionalEnum("includedData", Self.includedData)
        guard StatesARN.stateMachineName(arn) != nil else { throw APIError(.invalidArn, "Invalid Arn: '\(arn)'") }
        guard let record = try await read({ try await engine.store.stateMachine(arn: arn) }) else {
            throw APIError(.stateMachineDoesNotExist, "State Machine Does Not Exist: '\(arn)'")
        }
        _ = included  // METADATA_ONLY only hides encrypted definitions; Baton encrypts none
        return Self.describe(record)
    }

    static func describe(_ record: StateMachineRecord) -> JSON {
        var described: JSONObject = [
            "stateMachineArn": .string(record.arn), "name": .string(record.name), "status": "ACTIVE",
            "definition": .string(record.definition), "roleArn": .string(record.roleArn), "type": .string(record.type),
            "creationDate": .number(record.creationDate.timeIntervalSince1970),
            "revisionId": .string(String(record.revision)),
        ]
        // AWS lists the variables each state reads; a stored definition was validated, so it parses.
        if let definition = try? StateMachineDefinition.parse(record.definition) {
            let references = definition.variableReferences
            if !references.isEmpty {
                described["variableReferences"] = .object(
                    JSONObject(
                        references.sorted { $0.key < $1.key }.map { ($0.key, .array($0.value.map { .string($0) })) }))
            }
        }
        return .object(described)
    }

    private func listStateMachines(_ fields: RequestFields) async throws(APIError) -> JSON {
        let limit = try fields.maxResults()
        let cursor = try fields.optionalString("nextToken", length: RequestFields.Length.pageToken)
        let page = try await read { try await engine.store.listStateMachines(limit: limit, after: cursor) }
        var response: JSONObject = [
            "stateMachines": .array(
                page.items.map { (record: StateMachineRecord) -> JSON in
                    [
                        "stateMachineArn": .string(record.arn), "name": .string(record.name),
                        "type": .string(record.type),
                        "creationDate": .number(record.creationDate.timeIntervalSince1970),
                    ]
                })
        ]
        if let next = page.nextCursor { response["nextToken"] = .string(next) }
        return .object(response)
    }

    func updateStateMachine(_ fields: RequestFields) async throws(APIError) -> JSON {
        let arn = try fields.arn("stateMachineArn")
        let definition = try fields.optionalString("definition", length: RequestFields.Length.definition)
        let roleArn = try fields.optionalArn("roleArn")
        _ = try fields.optionalString("versionDescription", length: RequestFields.Length.versionDescription)
        guard
            definition != nil || roleArn != nil || fields.body["loggingConfiguration"] != nil
                || fields.body["tracingConfiguration"] != nil
        else {
            throw APIError(.named("MissingRequiredParameter"), "Either the definition or the roleArn must be specified")
        }
        let record = try await engine.updateStateMachine(arn: arn, definition: definition, roleArn: roleArn)
        return [
            "updateDate": .number(record.updateDate.timeIntervalSince1970),
            "revisionId": .string(String(record.revision)),
        ]
    }

    /// ValidateStateMachineDefinition: the definition's errors (`result` FAIL) and, when `severity` is WARNING
    /// (AWS's default is ERROR: errors only), the warnings of a valid definition for its `type`
    /// (``DefinitionWarning``; `result` stays OK).
    private func validate(_ fields: RequestFields) throws(APIError) -> JSON {
        let definition = try fields.string("definition", length: RequestFields.Length.definition)
        let type = try fields.optionalEnum("type", Self.machineTypes) ?? "STANDARD"
        let severity = try fields.optionalEnum("severity", ["ERROR", "WARNING"]) ?? "ERROR"
        let limit = try fields.maxResults(default: 100, limit: 100)
        let issues = Engine.validate(definition: definition)
        var diagnostics: [JSON] = issues.map {
            [
                "severity": "ERROR", "code": "SCHEMA_VALIDATION_FAILED", "message": .string($0.message),
                "location": .string($0.pointer),
            ]
        }
        if issues.isEmpty, severity == "WARNING" {
            diagnostics += Engine.warnings(definition: definition, type: type).map {
                [
                    "severity": "WARNING", "code": .string($0.code.name), "message": .string($0.message),
                    "location": .string($0.pointer),
                ]
            }
        }
        return [
            "result": issues.isEmpty ? "OK" : "FAIL", "diagnostics": .array(Array(diagnostics.prefix(limit))),
            "truncated": .bool(diagnostics.count > limit),
        ]
    }

    /// StartExecution. The execution's trace context is the request's `traceHeader` (as AWS keeps it), else the
    /// `traceparent` it arrived with, else a fresh one: every execution's tasks and callbacks carry one, and
    /// DescribeExecution shows it as `traceHeader`.
    private func startExecution(_ fields: RequestFields, traceparent: String?) async throws(APIError) -> JSON {
        let request = try Self.startRequest(fields, traceparent: traceparent)
        let started = try await metrics.timeCommit("start") { () async throws(APIError) in
            try await engine.startExecution(
                stateMachineArn: request.stateMachineArn, name: request.name, input: request.input,
                traceparent: request.traceparent)
        }
        metrics.executionStarted()
        return Self.startResponse(started)
    }

    /// StartExecutions on this shard that arrived together (the command queue's batch), started as one batch; each
    /// gets the answer ``handle(action:request:traceparent:scope:)`` would give it.
    /// - Parameter requests: each request body and the `traceparent` it arrived with.
    /// - Returns: per request, in order, the response body or the `APIError`.
    public func startExecutions(
        _ requests: [(body: JSON, traceparent: String?, parent: ExecutionStart.ParentTask?)]
    ) async -> [Result<JSON, APIError>] {
        var results = [Result<JSON, APIError>?](repeating: nil, count: requests.count)
        var batch: [StartRequest] = []
        var positions: [Int] = []
        for (index, (body, traceparent, parent)) in requests.enumerated() {
            do throws(APIError) {
                guard case .object(let object) = body else {
                    throw APIError(.serialization, "the request body must be a JSON object")
                }
                var request = try Self.startRequest(
                    RequestFields(body: object, action: "StartExecution"), traceparent: traceparent)
                request.parent = parent
                if let reference = StateMachineReference(request.stateMachineArn), reference.qualifier != nil {
                    request = try await pinned(request, reference: reference)
                }
                batch.append(request)
                positions.append(index)
            } catch {
                results[index] = .failure(error)
            }
        }
        let starting = ContinuousClock.now
        let started = await engine.startExecutions(batch)
        metrics.commits(
            "start", count: started.count { if case .success = $0 { true } else { false } },
            duration: ContinuousClock.now - starting)
        for (position, outcome) in zip(positions, started) {
            if case .success = outcome { metrics.executionStarted() }
            results[position] = outcome.map(Self.startResponse)
        }
        return results.map { $0! }
    }

    /// A StartExecution request's fields, checked; the trace context it carries into its tasks (its `traceHeader`,
    /// else the `traceparent` it arrived with, else a fresh one).
    static func startRequest(_ fields: RequestFields, traceparent: String?) throws(APIError) -> StartRequest {
        let trace = try fields.optionalString("traceHeader", length: RequestFields.Length.traceHeader)
        if let trace, !trace.unicodeScalars.allSatisfy(\.isASCII) {
            throw RequestFields.constraint("traceHeader", "Member must satisfy regular expression pattern: \\p{ASCII}*")
        }
        let carried =
            trace.flatMap { $0.isEmpty ? nil : $0 } ?? traceparent.flatMap { TraceParent.isValid($0) ? $0 : nil }
        return StartRequest(
            stateMachineArn: try fields.arn("stateMachineArn"), name: try fields.optionalString("name"),
            input: try fields.optionalString("input"), traceparent: carried ?? TraceParent.generate())
    }

    static func startResponse(_ started: StartedExecution) -> JSON {
        [
            "executionArn": .string(started.executionArn),
            "startDate": .number(started.startDate.timeIntervalSince1970),
        ]
    }

    func read<T: Sendable>(_ body: () async throws -> T) async throws(APIError) -> T {
        do {
            return try await body()
        } catch let error as ExecutionStoreError where error.code == .invalidCursor {
            throw APIError(.invalidToken, "Invalid Token: 'the nextToken is not valid'")
        } catch {
            throw APIError(.internalFailure, "the orchestrator could not read its store: \(error)")
        }
    }
}
