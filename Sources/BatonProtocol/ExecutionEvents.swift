import BatonJSON

/// Terminal execution events as the orchestrator publishes them on `<prefix>.events` (a topic exchange, routing key
/// `execution.<STATUS>`): one JSON object per event — `executionArn`, `stateMachineArn`, `name`, `status`,
/// `startDate`, `stopDate` and `output` or `error`/`cause`. One event per message by default; an orchestrator
/// started with `--event-batching on` sends the events of one status committed together as one message, whose
/// header ``countHeader`` holds their number and whose body is a JSON array of them (docs/protocol.md). Consumers
/// read both forms through this type.
public enum ExecutionEvents {
    /// The header of a message that carries several events: their count.
    public static let countHeader = "x-baton-events"

    /// The events a message carries, as JSON objects (none when the body is not what the header says).
    public static func objects(in message: BusMessage) -> [JSONObject] {
        objects(body: message.body, headers: message.headers)
    }

    /// The events of a body with its headers, as JSON objects.
    public static func objects(body: [UInt8], headers: [String: String]) -> [JSONObject] {
        guard let value = try? JSON(parsing: body) else { return [] }
        switch value {
        case .object(let event) where headers[countHeader] == nil: return [event]
        case .array(let events) where headers[countHeader] != nil: return events.compactMap(\.objectValue)
        default: return []
        }
    }

    /// The events of a message as JSON texts, one per event (for consumers that keep or print the text).
    public static func texts(in message: BusMessage) -> [String] {
        guard message.headers[countHeader] != nil else { return [String(decoding: message.body, as: UTF8.self)] }
        return objects(in: message).map { JSON.object($0).serialized }
    }

    /// One message body carrying several events (each a serialized JSON object), as the orchestrator batches them.
    public static func batchBody(_ events: [[UInt8]]) -> [UInt8] {
        var body: [UInt8] = [UInt8(ascii: "[")]
        body.reserveCapacity(events.reduce(2) { $0 + $1.count + 1 })
        for (index, event) in events.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body += event
        }
        body.append(UInt8(ascii: "]"))
        return body
    }
}
