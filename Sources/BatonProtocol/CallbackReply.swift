import Foundation

/// The orchestrator's answer to a callback sent with `reply_to`: `{}` when it was applied, otherwise the AWS
/// error body `{"__type": "TaskTimedOut", "message": "…"}` — the same error types the HTTP API returns.
public struct CallbackReply: Sendable, Hashable {
    /// `nil` when the callback was applied; otherwise the AWS error type, e.g. `InvalidToken`, `TaskTimedOut`.
    public var errorType: String?
    /// A human-readable reason (empty when applied).
    public var message: String

    /// The reply to an applied callback.
    public static let accepted = CallbackReply(errorType: nil, message: "")

    /// A rejection with an AWS error type and a reason.
    public static func rejected(_ errorType: String, _ message: String) -> CallbackReply {
        CallbackReply(errorType: errorType, message: message)
    }

    /// Whether the callback was applied.
    public var isAccepted: Bool { errorType == nil }

    /// The reply body.
    public func encoded() -> [UInt8] {
        guard let errorType else { return Array("{}".utf8) }
        var fields = WireObject()
        fields.add("__type", errorType)
        fields.add("message", message)
        return fields.finish()
    }

    /// Decodes a reply body strictly.
    /// - Throws: `ProtocolError` when the body is not a reply.
    public init(decoding body: some Collection<UInt8>) throws(ProtocolError) {
        let object = try StrictJSONObject(body, kind: "reply", maximumBytes: 65_536, allowed: ["__type", "message"])
        errorType = try object.optionalString("__type", length: 1...256)
        message = try object.optionalString("message", length: 0...32_768) ?? ""
    }

    private init(errorType: String?, message: String) {
        self.errorType = errorType
        self.message = message
    }
}

/// Which answers a sender with `reply_to` wants, from the message header `x-baton-reply` (callbacks and
/// commands): every answer (no header, the default) or only refusals (`errors`) — for senders that publish at a
/// high rate and only act on refusals, so an accepted message costs no reply message.
public enum ReplyMode: String, Sendable, Hashable {
    /// Answer every message.
    case all
    /// Answer only refusals (`{"__type": …}`); an applied message gets no reply.
    case errors

    /// The header that carries the mode.
    public static let header = "x-baton-reply"

    /// The mode a message's headers ask for (`all` when absent or unknown).
    public init(headers: [String: String]) {
        self = headers[Self.header].flatMap(ReplyMode.init(rawValue:)) ?? .all
    }
}
