import BatonProtocol
import ExecutionStore
import Foundation
import StatesLanguage

/// The AWS Step Functions actions, with AWS's request and response shapes, served by the engine. Both doors use
/// it — the HTTP API (`StepFunctionsAPI`) and the broker's command queue (`CommandService`) — so a request gets
/// the same answer and the same error types through either.
public struct StepFunctionsOperations: Sendable {
    let engine: Engine

    /// Creates the operations over an engine.
    public init(engine: Engine) {
        self.engine = engine
    }

    /// The actions served.
    public static let actions: Set<String> = [
        "CreateStateMachine", "DescribeStateMachine", "ListStateMachines", "UpdateStateMachine",
        "DeleteStateMachine", "ValidateStateMachineDefinition", "StartExecution", "DescribeExecution",
        "ListExecutions", "GetExecutionHistory", "StopExecution", "SendTaskSuccess", "SendTaskFailure",
        "SendTaskHeartbeat",
    ]

    /// Runs one action.
    /// - Parameters:
    ///   - action: the AWS action name, e.g. `StartExecution`.
    ///   - request: the request body (a JSON object).
    /// - Returns: the response body.
    /// - Throws: `APIError` with AWS's error type.
    public func handle(action: String, request: JSON) async throws(APIError) -> JSON {
        guard case .object(let body) = request else {
            throw APIError(.serialization, "the request body must be a JSON object")
        }
        let fields = RequestFields(body: body, action: action)
        switch action {
        case "CreateStateMachine": return try await createStateMachine(fields)
        case "DescribeStateMachine": return try await describeStateMachine(fields)
        case "ListStateMachines": return try await listStateMachines(fields)
        case "UpdateStateMachine": return try await updateStateMachine(fields)
        case "DeleteStateMachine":
            try await engine.deleteStateMachine(arn: try fields.string("stateMachineArn"))
            return .object(JSONObject())
        case "ValidateStateMachineDefinition": return try validate(fields)
        case "StartExecution": return try await startExecution(fields)
        case "DescribeExecution": return try await describeExecution(fields)
        case "ListExecutions": return try await listExecutions(fields)
        case "GetExecutionHistory": return try await history(fields)
        case "StopExecution":
            let date = try await engine.stopExecution(
                executionArn: try fields.string("executionArn"), error: try fields.optionalString("error"),
                cause: try fields.optionalString("cause"))
            return ["stopDate": .number(date.timeIntervalSince1970)]
        case "SendTaskSuccess":
            try await engine.sendTaskSuccess(
                taskToken: try fields.string("taskToken"), output: try fields.string("output"))
            return .object(JSONObject())
        case "SendTaskFailure":
            try await engine.sendTaskFailure(
                taskToken: try fields.string("taskToken"), error: try fields.optionalString("error"),
                cause: try fields.optionalString("cause"))
            return .object(JSONObject())
        case "SendTaskHeartbeat":
            try await engine.sendTaskHeartbeat(taskToken: try fields.string("taskToken"))
            return .object(JSONObject())
        default:
            throw APIError(.unknownOperation, "Baton does not serve the action '\(action.prefix(100))'")
        }
    }

    private func createStateMachine(_ fields: RequestFields) async throws(APIError) -> JSON {
        let record = try await engine.createStateMachine(
            name: try fields.string("name"), definition: try fields.string("definition"),
            roleArn: try fields.optionalString("roleArn") ?? "", type: try fields.optionalString("type") ?? "STANDARD")
        return ["stateMachineArn": .string(record.arn), "creationDate": .number(record.creationDate.timeIntervalSince1970)]
    }

    private func describeStateMachine(_ fields: RequestFields) async throws(APIError) -> JSON {
        let arn = try fields.string("stateMachineArn")
        guard let record = try await read({ try await engine.store.stateMachine(arn: arn) }) else {
            throw APIError(.stateMachineDoesNotExist, "State Machine Does Not Exist: '\(arn)'")
        }
        return Self.describe(record)
    }

    static func describe(_ record: StateMachineRecord) -> JSON {
        [
            "stateMachineArn": .string(record.arn), "name": .string(record.name), "status": "ACTIVE",
            "definition": .string(record.definition), "roleArn": .string(record.roleArn), "type": .string(record.type),
            "creationDate": .number(record.creationDate.timeIntervalSince1970),
            "revisionId": .string(String(record.revision)),
        ]
    }

    private func listStateMachines(_ fields: RequestFields) async throws(APIError) -> JSON {
        let limit = try fields.maxResults()
        let cursor = try fields.optionalString("nextToken")
        let page = try await read { try await engine.store.listStateMachines(limit: limit, after: cursor) }
        var response: JSONObject = [
            "stateMachines": .array(
                page.items.map { (record: StateMachineRecord) -> JSON in
                    [
                        "stateMachineArn": .string(record.arn), "name": .string(record.name),
                        "type": .string(record.type), "creationDate": .number(record.creationDate.timeIntervalSince1970),
                    ]
                })
        ]
        if let next = page.nextCursor { response["nextToken"] = .string(next) }
        return .object(response)
    }

    private func updateStateMachine(_ fields: RequestFields) async throws(APIError) -> JSON {
        let record = try await engine.updateStateMachine(
            arn: try fields.string("stateMachineArn"), definition: try fields.optionalString("definition"),
            roleArn: try fields.optionalString("roleArn"))
        return [
            "updateDate": .number(record.updateDate.timeIntervalSince1970),
            "revisionId": .string(String(record.revision)),
        ]
    }

    private func validate(_ fields: RequestFields) throws(APIError) -> JSON {
        let issues = Engine.validate(definition: try fields.string("definition"))
        let diagnostics: [JSON] = issues.map {
            ["severity": "ERROR", "code": "SCHEMA_VALIDATION_FAILED", "message": .string($0.message),
             "location": .string($0.pointer)]
        }
        return ["result": issues.isEmpty ? "OK" : "FAIL", "diagnostics": .array(diagnostics), "truncated": false]
    }

    private func startExecution(_ fields: RequestFields) async throws(APIError) -> JSON {
        let started = try await engine.startExecution(
            stateMachineArn: try fields.string("stateMachineArn"), name: try fields.optionalString("name"),
            input: try fields.optionalString("input"), traceparent: try fields.optionalString("traceHeader"))
        return ["executionArn": .string(started.executionArn), "startDate": .number(started.startDate.timeIntervalSince1970)]
    }

    private func describeExecution(_ fields: RequestFields) async throws(APIError) -> JSON {
        let arn = try fields.string("executionArn")
        guard StatesARN.executionNames(arn) != nil else { throw APIError(.invalidArn, "Invalid Arn: '\(arn)'") }
        guard let record = try await read({ try await engine.store.execution(arn: arn) }) else {
            throw APIError(.executionDoesNotExist, "Execution Does Not Exist: '\(arn)'")
        }
        return .object(Self.describe(record))
    }

    static func describe(_ record: ExecutionRecord) -> JSONObject {
        var object: JSONObject = [
            "executionArn": .string(record.arn), "stateMachineArn": .string(record.stateMachineArn),
            "name": .string(record.name), "status": .string(record.status.rawValue),
            "startDate": .number(record.startDate.timeIntervalSince1970), "input": .string(record.input),
            "inputDetails": ["included": true],
        ]
        if let stop = record.stopDate { object["stopDate"] = .number(stop.timeIntervalSince1970) }
        if let output = record.output {
            object["output"] = .string(output)
            object["outputDetails"] = ["included": true]
        }
        if let error = record.error { object["error"] = .string(error) }
        if let cause = record.cause { object["cause"] = .string(cause) }
        if let trace = record.traceParent { object["traceHeader"] = .string(trace) }
        return object
    }

    private func listExecutions(_ fields: RequestFields) async throws(APIError) -> JSON {
        let machine = try fields.optionalString("stateMachineArn")
        let statusName = try fields.optionalString("statusFilter")
        let status = try statusName.map { name throws(APIError) in
            guard let status = ExecutionStatusName(rawValue: name) else {
                throw APIError(.validation, "statusFilter must be RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED")
            }
            return status.rawValue
        }
        let limit = try fields.maxResults()
        let cursor = try fields.optionalString("nextToken")
        let page = try await read {
            try await engine.store.listExecutions(
                stateMachineArn: machine, status: status.flatMap { .init(rawValue: $0) }, limit: limit, after: cursor)
        }
        let executions: [JSON] = page.items.map { record in
            var item: JSONObject = [
                "executionArn": .string(record.arn), "stateMachineArn": .string(record.stateMachineArn),
                "name": .string(record.name), "status": .string(record.status.rawValue),
                "startDate": .number(record.startDate.timeIntervalSince1970),
            ]
            if let stop = record.stopDate { item["stopDate"] = .number(stop.timeIntervalSince1970) }
            return .object(item)
        }
        var response: JSONObject = ["executions": .array(executions)]
        if let next = page.nextCursor { response["nextToken"] = .string(next) }
        return .object(response)
    }

    private func history(_ fields: RequestFields) async throws(APIError) -> JSON {
        let arn = try fields.string("executionArn")
        guard let record = try await read({ try await engine.store.execution(arn: arn) }) else {
            throw APIError(.executionDoesNotExist, "Execution Does Not Exist: '\(arn)'")
        }
        let reverse = try fields.optionalBool("reverseOrder") ?? false
        let includeData = try fields.optionalBool("includeExecutionData") ?? true
        let limit = try fields.maxResults(default: 1000)
        let cursor = try fields.optionalString("nextToken")
        let page = try await read {
            try await engine.store.history(executionID: record.id, reverse: reverse, limit: limit, after: cursor)
        }
        var events: [JSON] = []
        for event in page.items {
            guard var object = (try? JSON(parsing: event.details))?.objectValue else { continue }
            if !includeData { Self.stripData(&object) }
            events.append(.object(object))
        }
        var response: JSONObject = ["events": .array(events)]
        if let next = page.nextCursor { response["nextToken"] = .string(next) }
        return .object(response)
    }

    /// Removes inputs, outputs and parameters from an event's details (includeExecutionData = false).
    private static func stripData(_ event: inout JSONObject) {
        for key in event.keys where key.hasSuffix("EventDetails") {
            guard var details = event[key]?.objectValue else { continue }
            for field in ["input", "output", "parameters"] where details[field] != nil { details[field] = nil }
            event[key] = .object(details)
        }
    }

    private func read<T: Sendable>(_ body: () async throws -> T) async throws(APIError) -> T {
        do {
            return try await body()
        } catch let error as ExecutionStoreError where error.code == .invalidCursor {
            throw APIError(.named("InvalidToken"), "Invalid Token: 'the nextToken is not valid'")
        } catch {
            throw APIError(.internalFailure, "the orchestrator could not read its store: \(error)")
        }
    }
}

/// The execution statuses a ListExecutions `statusFilter` names.
enum ExecutionStatusName: String {
    case running = "RUNNING", succeeded = "SUCCEEDED", failed = "FAILED", timedOut = "TIMED_OUT"
    case aborted = "ABORTED"
}
