import BatonJSON
import ExecutionStore
import Foundation
import StatesLanguage

/// The read side of executions: DescribeExecution, ListExecutions and GetExecutionHistory.
extension StepFunctionsOperations {
    func describeExecution(_ fields: RequestFields) async throws(APIError) -> JSON {
        let arn = try fields.arn("executionArn")
        let included = try fields.optionalEnum("includedData", Self.includedData)
        guard StatesARN.executionNames(arn) != nil else { throw APIError(.invalidArn, "Invalid Arn: '\(arn)'") }
        guard let record = try await read({ try await engine.store.execution(arn: arn) }) else {
            throw APIError(.executionDoesNotExist, "Execution Does Not Exist: '\(arn)'")
        }
        var object = Self.describe(record)
        try await addRedriveFields(to: &object, of: record)
        if included == "METADATA_ONLY" {
            for key in ["input", "inputDetails", "output", "outputDetails"] { object[key] = nil }
        }
        return .object(object)
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
        if let version = record.stateMachineVersionArn { object["stateMachineVersionArn"] = .string(version) }
        if let alias = record.stateMachineAliasArn { object["stateMachineAliasArn"] = .string(alias) }
        return object
    }

    func listExecutions(_ fields: RequestFields) async throws(APIError) -> JSON {
        let machine = try fields.optionalArn("stateMachineArn")
        let statusName = try fields.optionalEnum("statusFilter", ExecutionStatusName.allCases.map(\.rawValue))
        let redrive = try fields.optionalEnum("redriveFilter", ["REDRIVEN", "NOT_REDRIVEN"])
        let limit = try fields.maxResults()
        let cursor = try fields.optionalString("nextToken", length: RequestFields.Length.executionsPageToken)
        if fields.body["mapRunArn"].map({ $0 != .null }) ?? false {
            throw APIError(.named("ResourceNotFound"), "Baton does not keep Map Runs: no such mapRunArn")
        }
        // A version or alias ARN lists the executions started through it.
        var reference: StateMachineReference?
        if let machine {
            guard let parsed = StateMachineReference(machine) else {
                throw APIError(.invalidArn, "Invalid Arn: '\(machine)'")
            }
            guard try await read({ try await engine.store.stateMachine(arn: parsed.base) }) != nil else {
                throw APIError(.stateMachineDoesNotExist, "State Machine Does Not Exist: '\(machine)'")
            }
            reference = parsed
        }
        // A redrive commits in one transaction, so no execution is ever seen PENDING_REDRIVE.
        if statusName == ExecutionStatusName.pendingRedrive.rawValue {
            return ["executions": []]
        }
        let page = try await read {
            try await engine.store.listExecutions(
                stateMachineArn: reference?.base, status: statusName.flatMap { .init(rawValue: $0) },
                versionArn: reference?.versionNumber != nil ? machine : nil,
                aliasArn: reference?.aliasName != nil ? machine : nil, redriven: redrive.map { $0 == "REDRIVEN" },
                limit: limit, after: cursor)
        }
        var items: [JSONObject] = page.items.map { record in
            var item: JSONObject = [
                "executionArn": .string(record.arn), "stateMachineArn": .string(record.stateMachineArn),
                "name": .string(record.name), "status": .string(record.status.rawValue),
                "startDate": .number(record.startDate.timeIntervalSince1970),
            ]
            if let stop = record.stopDate { item["stopDate"] = .number(stop.timeIntervalSince1970) }
            if let version = record.stateMachineVersionArn { item["stateMachineVersionArn"] = .string(version) }
            if let alias = record.stateMachineAliasArn { item["stateMachineAliasArn"] = .string(alias) }
            return item
        }
        try await addRedriveCounts(to: &items, ids: page.items.map(\.id))
        var response: JSONObject = ["executions": .array(items.map(JSON.object))]
        if let next = page.nextCursor { response["nextToken"] = .string(next) }
        return .object(response)
    }

    func history(_ fields: RequestFields) async throws(APIError) -> JSON {
        let arn = try fields.arn("executionArn")
        let reverse = try fields.optionalBool("reverseOrder") ?? false
        let includeData = try fields.optionalBool("includeExecutionData") ?? true
        let limit = try fields.maxResults()
        let cursor = try fields.optionalString("nextToken", length: RequestFields.Length.pageToken)
        guard StatesARN.executionNames(arn) != nil else { throw APIError(.invalidArn, "Invalid Arn: '\(arn)'") }
        guard let record = try await read({ try await engine.store.execution(arn: arn) }) else {
            throw APIError(.executionDoesNotExist, "Execution Does Not Exist: '\(arn)'")
        }
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
}

/// The execution statuses a ListExecutions `statusFilter` may name (the service model's ExecutionStatus).
enum ExecutionStatusName: String, CaseIterable {
    case running = "RUNNING", succeeded = "SUCCEEDED", failed = "FAILED", timedOut = "TIMED_OUT"
    case aborted = "ABORTED", pendingRedrive = "PENDING_REDRIVE"
}
