import Crypto
import Foundation

/// What a task token stands for: one attempt of one task of one execution, on one orchestrator shard.
///
/// The wire form is opaque to workers: `base64url(payload ‖ HMAC-SHA256(key, payload))`, unpadded, URL-safe and
/// far below the 1,024 characters Baton promises (the AWS API allows 2,048). The payload is a version byte,
/// then the shard, execution id and attempt as LEB128 varints, then the task id's UTF-8 bytes with a varint length.
/// Every Retry attempt gets a new token, so a token of an earlier attempt names a closed task.
public struct TaskToken: Sendable, Hashable {
    /// The orchestrator shard that owns the execution (0 when there is one orchestrator).
    public var shard: Int
    /// The execution's id in the owning shard's store.
    public var executionID: Int64
    /// The task's id inside the execution (unique per scheduled task).
    public var taskID: String
    /// The attempt number, 0 for the first, +1 for each Retry.
    public var attempt: Int

    /// Creates the identity of a task attempt.
    public init(shard: Int = 0, executionID: Int64, taskID: String, attempt: Int) {
        self.shard = shard
        self.executionID = executionID
        self.taskID = taskID
        self.attempt = attempt
    }
}

/// Why a token was refused. One rule for every token Baton did not issue — whether it does not decode, is cut
/// short, or carries a signature of another key, the caller cannot tell a forgery from a mangled token and need not:
/// one message (`TaskTokenError.notIssued`), one AWS error (`InvalidToken`). The codes stay apart for tests and logs.
public struct TaskTokenError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of refusal; extensible, compared by value.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: String, Sendable, Hashable { case malformed, badSignature }
        private let value: Value
        /// Not a token Baton could have issued: bad base64, truncated, wrong version, too long.
        public static let malformed = Code(value: .malformed)
        /// Well-formed, but the signature does not match: forged, altered, or signed with another key.
        public static let badSignature = Code(value: .badSignature)
        public var description: String { value.rawValue }
    }

    /// The kind of refusal.
    public var code: Code
    /// A reason that never quotes the token.
    public var message: String

    public var description: String { "\(code): \(message)" }

    /// The AWS error type for every refused token.
    public var awsErrorType: String { "InvalidToken" }

    /// The one message for every refused token.
    public static let notIssued =
        "the task token was not issued by this Baton (it is altered, truncated or signed with another key)"

    init(code: Code) {
        self.code = code
        message = Self.notIssued
    }
}

/// Issues and verifies task tokens with HMAC-SHA256 under one secret key.
public struct TaskTokenSigner: Sendable {
    /// The longest token text Baton issues or accepts.
    public static let maximumLength = 1024
    private static let version: UInt8 = 1
    private static let macLength = SHA256.byteCount
    private let key: SymmetricKey

    /// A signer over raw key bytes (at least 16; `generateKey()` makes 32).
    public init(keyBytes: [UInt8]) {
        precondition(keyBytes.count >= 16, "a task token key needs at least 16 bytes")
        key = SymmetricKey(data: keyBytes)
    }

    /// A signer over configured key text (`BATON_TOKEN_KEY`): base64 of ≥ 16 bytes is used as is; any other
    /// text (a passphrase) is stretched with SHA-256.
    public init(configuredKey text: String) {
        if let bytes = Data(base64Encoded: text), bytes.count >= 16 {
            self.init(keyBytes: Array(bytes))
        } else {
            self.init(keyBytes: Array(SHA256.hash(data: Data(text.utf8))))
        }
    }

    /// 32 fresh random bytes for a new key (persisted once with the store when none is configured).
    public static func generateKey() -> [UInt8] {
        SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    }

    /// The token text for a task attempt.
    public func issue(_ token: TaskToken) -> String {
        var payload: [UInt8] = [Self.version]
        Varint.append(UInt64(token.shard), to: &payload)
        Varint.append(UInt64(bitPattern: token.executionID), to: &payload)
        Varint.append(UInt64(token.attempt), to: &payload)
        let task = Array(token.taskID.utf8)
        Varint.append(UInt64(task.count), to: &payload)
        payload += task
        let mac = HMAC<SHA256>.authenticationCode(for: payload, using: key)
        return Base64URL.encode(payload + Array(mac))
    }

    /// Checks a token's form and signature and returns what it stands for.
    /// - Throws: `TaskTokenError` (`.malformed` or `.badSignature`); the caller answers `InvalidToken`.
    public func verify(_ text: String) throws(TaskTokenError) -> TaskToken {
        // Canonical form only (the decoder refuses non-zero unused bits), so no two texts name one token.
        guard !text.isEmpty, text.utf8.count <= Self.maximumLength, let bytes = Base64URL.decode(text) else {
            throw TaskTokenError(code: .malformed)
        }
        guard bytes.count > Self.macLength + 1 else {
            throw TaskTokenError(code: .malformed)
        }
        let payload = bytes[..<(bytes.count - Self.macLength)]
        let mac = bytes[(bytes.count - Self.macLength)...]
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: payload, using: key) else {
            throw TaskTokenError(code: .badSignature)
        }
        var reader = Varint.Reader(bytes: Array(payload))
        guard reader.byte() == Self.version, let shard = reader.varint(), let execution = reader.varint(),
            let attempt = reader.varint(), let length = reader.varint(), let task = reader.bytes(Int(length)),
            reader.isAtEnd, let taskID = String(validating: task, as: UTF8.self),
            shard <= UInt64(Int.max), attempt <= UInt64(Int.max)
        else {
            throw TaskTokenError(code: .malformed)
        }
        return TaskToken(
            shard: Int(shard), executionID: Int64(bitPattern: execution), taskID: taskID, attempt: Int(attempt))
    }

    /// A short, non-secret id of a token for logs and metrics (the first 12 characters of its SHA-256 in
    /// base64url): enough to correlate log lines, useless for calling back.
    public static func shortID(of text: String) -> String {
        String(Base64URL.encode(Array(SHA256.hash(data: Data(text.utf8)))).prefix(12))
    }
}
