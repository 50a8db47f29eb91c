import BatonJSON
import Foundation

/// A callback about one task, as a worker sends it to the orchestrator's callback queue: the broker-side twin of
/// the AWS `SendTaskSuccess`, `SendTaskFailure` and `SendTaskHeartbeat` actions, with the same fields and limits.
///
/// Wire form (one JSON object, UTF-8; `action` picks the operation, the other names are AWS's):
/// `{"action":"SendTaskSuccess","taskToken":"…","output":"{\"ok\":true}"}`,
/// `{"action":"SendTaskFailure","taskToken":"…","error":"Oops","cause":"…"}`,
/// `{"action":"SendTaskHeartbeat","taskToken":"…"}`.
public struct Callback: Sendable, Hashable {
    /// What the callback reports.
    public enum Outcome: Sendable, Hashable {
        /// The task finished; `output` is JSON text (at most 262,144 UTF-8 bytes).
        case success(output: String)
        /// The task failed with an error name (≤ 256 characters) and a cause (≤ 32,768 characters).
        case failure(error: String?, cause: String?)
        /// The task is still being worked on: resets the heartbeat clock only.
        case heartbeat
    }

    /// The task token the orchestrator issued (opaque; 1...2048 characters as the AWS API allows).
    public var taskToken: String
    /// What the callback reports.
    public var outcome: Outcome {
        didSet { parsedOutput = nil }
    }
    /// A success output as decoding parsed it (``init(decoding:)`` parses it to validate it), so the orchestrator
    /// does not parse it again; `nil` when the callback was made in code. Not part of equality.
    public private(set) var parsedOutput: JSON?

    /// The token of a task to answer with this callback's outcome (`{}` once applied, else the refusal): set by the
    /// orchestrator from the message's `x-baton-reply-token` header, which an `aws-sdk:sfn:sendTask*` task sends.
    /// Not part of the body, nor of equality.
    public var replyToken: String?

    /// Creates a callback for a token.
    public init(taskToken: String, outcome: Outcome) {
        self.taskToken = taskToken
        self.outcome = outcome
    }

    public static func == (lhs: Callback, rhs: Callback) -> Bool {
        lhs.taskToken == rhs.taskToken && lhs.outcome == rhs.outcome
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(taskToken)
        hasher.combine(outcome)
    }

    /// The AWS action name: `SendTaskSuccess`, `SendTaskFailure` or `SendTaskHeartbeat`.
    public var action: String {
        switch outcome {
        case .success: "SendTaskSuccess"
        case .failure: "SendTaskFailure"
        case .heartbeat: "SendTaskHeartbeat"
        }
    }

    /// Limits of the AWS API, applied the same way over the broker.
    public enum Limits {
        /// Task token length in characters (AWS: 1...2048).
        public static let taskToken = 1...2048
        /// Success output in UTF-8 bytes (AWS: 262,144).
        public static let outputBytes = 262_144
        /// Failure error name in characters.
        public static let error = 0...256
        /// Failure cause in characters.
        public static let cause = 0...32_768
        /// Whole message body in bytes: room for the largest output with JSON string escaping.
        public static let messageBytes = 2 * 1_048_576
    }

    /// Decodes a callback message body strictly.
    /// - Throws: `ProtocolError` — `.invalidOutput` when `output` is not JSON or too large (AWS's InvalidOutput:
    ///   the task keeps waiting), other codes when the message itself breaks the schema (dead-letter it).
    public init(decoding body: some Collection<UInt8>) throws(ProtocolError) {
        let object = try StrictJSONObject(
            body,
            kind: "callback",
            maximumBytes: Limits.messageBytes,
            allowed: ["action", "taskToken", "output", "error", "cause"]
        )
        let action = try object.string("action", length: 1...64)
        taskToken = try object.string("taskToken", length: Limits.taskToken)
        switch action {
        case "SendTaskSuccess":
            guard !object.has("error"), !object.has("cause") else {
                throw ProtocolError(.unknownField, "SendTaskSuccess takes no 'error' or 'cause'")
            }
            let output = try object.string("output", length: 0...Int.max)
            parsedOutput = try Callback.parseOutput(output)
            outcome = .success(output: output)
        case "SendTaskFailure":
            guard !object.has("output") else {
                throw ProtocolError(.unknownField, "SendTaskFailure takes no 'output'")
            }
            outcome = .failure(
                error: try object.optionalString("error", length: Limits.error),
                cause: try object.optionalString("cause", length: Limits.cause)
            )
        case "SendTaskHeartbeat":
            for field in ["output", "error", "cause"] where object.has(field) {
                throw ProtocolError(.unknownField, "SendTaskHeartbeat takes no '\(field)'")
            }
            outcome = .heartbeat
        default:
            throw ProtocolError(
                .unknownAction,
                "unknown callback action; expected SendTaskSuccess, SendTaskFailure or SendTaskHeartbeat"
            )
        }
    }

    /// Checks a success output as AWS does: valid JSON text of at most 262,144 UTF-8 bytes.
    /// - Throws: `ProtocolError` with code `.invalidOutput`.
    public static func validateOutput(_ output: String) throws(ProtocolError) {
        _ = try parseOutput(output)
    }

    /// The success output parsed, after the checks of ``validateOutput(_:)``.
    /// - Throws: `ProtocolError` with code `.invalidOutput`.
    public static func parseOutput(_ output: String) throws(ProtocolError) -> JSON {
        let bytes = output.utf8.count
        guard bytes <= Limits.outputBytes else {
            throw ProtocolError(.invalidOutput, "output of \(bytes) bytes exceeds the limit of \(Limits.outputBytes)")
        }
        guard let parsed = try? JSON(parsing: output) else {
            throw ProtocolError(.invalidOutput, "output is not valid JSON")
        }
        return parsed
    }

    /// The message body: one compact JSON object with sorted keys.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(taskToken.utf8.count + 64)
        var fields = WireObject(into: out)
        fields.add("action", action)
        switch outcome {
        case .success(let output):
            fields.add("output", output)
        case .failure(let error, let cause):
            if let cause { fields.add("cause", cause) }
            if let error { fields.add("error", error) }
        case .heartbeat: break
        }
        fields.add("taskToken", taskToken)
        return fields.finish()
    }
}

/// A flat JSON object of strings written straight to bytes, members in the order added (callers add them sorted).
struct WireObject {
    private var out: [UInt8]
    private var first = true

    init(into out: [UInt8] = []) {
        self.out = out
        self.out.append(UInt8(ascii: "{"))
    }

    mutating func add(_ key: String, _ value: String) {
        if !first { out.append(UInt8(ascii: ",")) }
        first = false
        JSON.writeString(key, to: &out)
        out.append(UInt8(ascii: ":"))
        JSON.writeString(value, to: &out)
    }

    consuming func finish() -> [UInt8] {
        out.append(UInt8(ascii: "}"))
        return out
    }
}
