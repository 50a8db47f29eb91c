/// The basic properties of a message (AMQP `basic` content header).
///
/// Only fields that are set (non-nil, non-empty headers) are sent.
public struct AMQPProperties: Sendable, Hashable {
    /// MIME content type, e.g. `application/json`.
    public var contentType: String?
    /// MIME content encoding.
    public var contentEncoding: String?
    /// Application headers.
    public var headers: AMQPTable
    /// Delivery mode 2 (persisted by durable queues) when true, 1 (transient) when false. Default true.
    public var persistent: Bool
    /// Message priority 0...9.
    public var priority: UInt8?
    /// Correlation id, e.g. a request id.
    public var correlationID: String?
    /// Queue name to reply to.
    public var replyTo: String?
    /// Per-message TTL in milliseconds, as the decimal string AMQP expects.
    public var expiration: String?
    /// Application message id.
    public var messageID: String?
    /// Timestamp in seconds since the Unix epoch.
    public var timestamp: UInt64?
    /// Message type name.
    public var type: String?
    /// Creating user id (the broker validates it against the connection's user).
    public var userID: String?
    /// Creating application id.
    public var appID: String?

    /// Creates properties; everything optional defaults to unset and `persistent` to true.
    /// - Parameters:
    ///   - contentType: MIME type.
    ///   - persistent: delivery mode 2 when true.
    ///   - correlationID: correlation id.
    ///   - replyTo: reply queue.
    ///   - messageID: message id.
    ///   - timestamp: seconds since the epoch.
    ///   - expiration: TTL in milliseconds as a string.
    ///   - headers: application headers.
    public init(
        contentType: String? = nil,
        persistent: Bool = true,
        correlationID: String? = nil,
        replyTo: String? = nil,
        messageID: String? = nil,
        timestamp: UInt64? = nil,
        expiration: String? = nil,
        headers: AMQPTable = [:]
    ) {
        self.contentType = contentType
        self.persistent = persistent
        self.correlationID = correlationID
        self.replyTo = replyTo
        self.messageID = messageID
        self.timestamp = timestamp
        self.expiration = expiration
        self.headers = headers
    }
}
