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
        }
    }
}
