import BatonJSON
import Foundation

extension HistoryEvent: Codable {
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Decodes the API's JSON shape; the details member is chosen by `type`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        id = try container.decode(Int.self, forKey: Key("id"))
        previousEventId = try container.decodeIfPresent(Int.self, forKey: Key("previousEventId")) ?? 0
        timestamp = try container.decode(Date.self, forKey: Key("timestamp"))
        type = try container.decode(HistoryEventType.self, forKey: Key("type"))
        details = nil
        guard let detailsKey = type.detailsKey, container.contains(Key(detailsKey)) else { return }
        let key = Key(detailsKey)
        switch type {
        case .executionStarted:
            details = .executionStarted(try container.decode(ExecutionStartedEventDetails.self, forKey: key))
        case .executionSucceeded:
            details = .executionSucceeded(try container.decode(ExecutionDataDetails.self, forKey: key))
        case .executionFailed, .executionTimedOut, .executionAborted:
            details = .executionError(try container.decode(ErrorEventDetails.self, forKey: key))
        case .mapStateStarted:
            details = .mapStateStarted(try container.decode(MapStateStartedEventDetails.self, forKey: key))
        case .mapIterationStarted, .mapIterationSucceeded, .mapIterationFailed, .mapIterationAborted:
            details = .mapIteration(try container.decode(MapIterationEventDetails.self, forKey: key))
        case .taskScheduled, .taskStarted, .taskSubmitted, .taskSucceeded, .taskFailed, .taskTimedOut:
            details = .task(try container.decode(TaskEventDetails.self, forKey: key))
        case .evaluationFailed:
            details = .evaluationFailed(try container.decode(EvaluationFailedEventDetails.self, forKey: key))
        case .executionRedriven:
            details = .executionRedriven(try container.decode(ExecutionRedrivenEventDetails.self, forKey: key))
        case .activityScheduled, .activityStarted, .activitySucceeded, .activityFailed, .activityTimedOut:
            details = .activity(try container.decode(ActivityEventDetails.self, forKey: key))
        default:
            let state = try container.decode(StateEventDetails.self, forKey: key)
            details = detailsKey == "stateExitedEventDetails" ? .stateExited(state) : .stateEntered(state)
        }
    }

    /// Encodes the API's JSON shape: `timestamp`, `type`, `id`, `previousEventId`, then the details member.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(timestamp, forKey: Key("timestamp"))
        try container.encode(type, forKey: Key("type"))
        try container.encode(id, forKey: Key("id"))
        try container.encode(previousEventId, forKey: Key("previousEventId"))
        guard let details, let detailsKey = type.detailsKey else { return }
        let key = Key(detailsKey)
        switch details {
        case .executionStarted(let value): try container.encode(value, forKey: key)
        case .executionSucceeded(let value): try container.encode(value, forKey: key)
        case .executionError(let value): try container.encode(value, forKey: key)
        case .stateEntered(let value), .stateExited(let value): try container.encode(value, forKey: key)
        case .task(let value): try container.encode(value, forKey: key)
        case .mapStateStarted(let value): try container.encode(value, forKey: key)
        case .mapIteration(let value): try container.encode(value, forKey: key)
        case .evaluationFailed(let value): try container.encode(value, forKey: key)
        case .activity(let value): try container.encode(value, forKey: key)
        case .executionRedriven(let value): try container.encode(value, forKey: key)
        }
    }
}

extension HistoryEvent {
    /// The API's JSON shape, built directly (the same members as ``encode(to:)`` with `timestamp` as epoch
    /// seconds, without `Codable`'s cost): what the orchestrator stores for every event.
    public var json: JSON {
        var object: JSONObject = [
            "timestamp": .number(timestamp.timeIntervalSince1970), "type": .string(type.rawValue),
            "id": .integer(Int64(id)), "previousEventId": .integer(Int64(previousEventId)),
        ]
        guard let details, let detailsKey = type.detailsKey else { return .object(object) }
        var members = JSONObject()
        func put(_ key: String, _ value: String?) { if let value { members[key] = .string(value) } }
        func put(_ key: String, _ value: Int?) { if let value { members[key] = .integer(Int64(value)) } }
        func put(_ key: String, _ value: DataTruncation?) {
            if let value { members[key] = .object(["truncated": .bool(value.truncated)]) }
        }
        switch details {
        case .executionStarted(let value):
            put("input", value.input)
            put("inputDetails", value.inputDetails)
            put("roleArn", value.roleArn)
        case .executionSucceeded(let value):
            put("output", value.output)
            put("outputDetails", value.outputDetails)
        case .executionError(let value):
            put("error", value.error)
            put("cause", value.cause)
        case .stateEntered(let value), .stateExited(let value):
            put("name", value.name)
            put("input", value.input)
            put("inputDetails", value.inputDetails)
            put("output", value.output)
            put("outputDetails", value.outputDetails)
            if let assigned = value.assignedVariables {
                let pairs: [(String, JSON)] = assigned.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }
                members["assignedVariables"] = .object(JSONObject(pairs))
            }
            put("assignedVariablesDetails", value.assignedVariablesDetails)
        case .task(let value):
            put("resourceType", value.resourceType)
            put("resource", value.resource)
            put("region", value.region)
            put("parameters", value.parameters)
            put("timeoutInSeconds", value.timeoutInSeconds)
            put("heartbeatInSeconds", value.heartbeatInSeconds)
            put("output", value.output)
            put("outputDetails", value.outputDetails)
            put("error", value.error)
            put("cause", value.cause)
        case .mapStateStarted(let value):
            put("length", value.length)
        case .mapIteration(let value):
            put("name", value.name)
            put("index", value.index)
        case .evaluationFailed(let value):
            put("error", value.error)
            put("cause", value.cause)
            put("location", value.location)
            put("state", value.state)
        case .activity(let value):
            put("resource", value.resource)
            put("input", value.input)
            put("inputDetails", value.inputDetails)
            put("timeoutInSeconds", value.timeoutInSeconds)
            put("heartbeatInSeconds", value.heartbeatInSeconds)
            put("workerName", value.workerName)
            put("output", value.output)
            put("outputDetails", value.outputDetails)
            put("error", value.error)
            put("cause", value.cause)
        case .executionRedriven(let value):
            put("redriveCount", value.redriveCount)
        }
        object[detailsKey] = .object(members)
        return .object(object)
    }
}
