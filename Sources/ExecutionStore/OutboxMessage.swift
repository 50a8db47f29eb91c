import Foundation

/// A message to publish once the transition that enqueues it has committed; see
/// ``Transaction/enqueueOutbox(_:)``.
public struct NewOutboxMessage: Sendable, Hashable {
    /// The exchange to publish to (`""` for the default exchange).
    public var exchange: String
    /// The routing key (the queue name on the default exchange).
    public var routingKey: String
    /// The message body.
    public var body: Data
    /// Message headers and properties the publisher needs (e.g. `correlation-id`, `reply-to`).
    public var headers: [String: String]

    /// Creates an outbox message.
    /// - Parameters:
    ///   - exchange: the exchange.
    ///   - routingKey: the routing key.
    ///   - body: the body.
    ///   - headers: headers and properties.
    public init(exchange: String, routingKey: String, body: Data, headers: [String: String] = [:]) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.body = body
        self.headers = headers
    }
}

/// A message waiting in the outbox until the broker confirms it.
public struct OutboxMessage: Sendable, Hashable {
    /// The outbox id, increasing in enqueue order; publish in this order.
    public var id: Int64
    /// The exchange.
    public var exchange: String
    /// The routing key.
    public var routingKey: String
    /// The body.
    public var body: Data
    /// Headers and properties.
    public var headers: [String: String]
    /// When it was enqueued.
    public var createdAt: Date
}

extension OutboxMessage {
    static let columns = "id, exchange, routing_key, body, headers, created_at"

    init(row: StoreRow) throws {
        let headers: Data = try row[4]
        try self.init(
            id: row[0],
            exchange: row[1],
            routingKey: row[2],
            body: row[3],
            headers: headers.isEmpty ? [:] : try JSONDecoder().decode([String: String].self, from: headers),
            createdAt: Date(millisecondsSince1970: row[5])
        )
    }

    /// `headers` as stored: empty for none (the common case, and no encoder run), else sorted JSON.
    static func encode(headers: [String: String]) throws -> Data {
        guard !headers.isEmpty else { return Data() }
        // Written directly (no JSONEncoder per row): a flat object of strings, keys sorted.
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (index, key) in headers.keys.sorted().enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendJSONString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            appendJSONString(headers[key]!, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return Data(out)
    }

    private static func appendJSONString(_ value: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                out.append(UInt8(ascii: "\\"))
                out.append(byte)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            default:
                out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
