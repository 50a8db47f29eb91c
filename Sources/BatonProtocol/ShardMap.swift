/// How executions are spread over K orchestrator shards, each with its own store: by a stable hash of the
/// execution name (FNV-1a 64 over its UTF-8 bytes, modulo K). Senders that know K (`BATON_SHARDS`) route with it;
/// any orchestrator routes what reaches it for another shard. One shard (the default) routes nothing.
public struct ShardMap: Sendable, Hashable {
    /// The number of shards, at least 1.
    public let count: Int

    /// A map over `count` shards.
    public init(count: Int = 1) {
        precondition(count >= 1, "there is at least one shard")
        self.count = count
    }

    /// Whether more than one shard exists (the only case in which anything is routed).
    public var isSharded: Bool { count > 1 }

    /// The shard that owns the execution named `name`.
    public func shard(ofExecutionName name: String) -> Int {
        guard isSharded else { return 0 }
        return Int(FNV1a.hash(name.utf8) % UInt64(count))
    }

    /// The shard that owns an execution ARN (`arn:aws:states:<region>:<account>:execution:<machine>:<name>`), or
    /// `nil` when the text is not an execution ARN (the owner of the request then answers InvalidArn itself).
    public func shard(ofExecutionArn arn: String) -> Int? {
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 8, parts[0] == "arn", parts[5] == "execution", !parts[7].isEmpty else { return nil }
        return shard(ofExecutionName: String(parts[7]))
    }

    /// The shard a task token names, read without the signing key, or `nil` when the text is not shaped like a
    /// Baton token.
    ///
    /// A token is `base64url(payload ‖ HMAC)` whose payload starts with the version byte 1 and the shard as a
    /// LEB128 varint, so the shard is readable (never secret) but covered by the signature: a token whose shard
    /// was altered is refused as InvalidToken by whichever shard receives it. Tokens of one orchestrator read as
    /// shard 0.
    public static func shard(ofTaskToken token: String) -> Int? {
        // 16 characters decode to 12 bytes: the version byte and a varint of up to 10 bytes fit.
        var bytes: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for character in token.utf8.prefix(16) {
            guard let value = sextet(character) else { return nil }
            buffer = (buffer << 6) | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                bytes.append(UInt8((buffer >> UInt32(bits)) & 0xff))
            }
        }
        guard bytes.count >= 2, bytes[0] == 1 else { return nil }
        var shard: UInt64 = 0
        var shift: UInt64 = 0
        for byte in bytes.dropFirst() {
            guard shift < 63 else { return nil }
            shard |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return shard <= UInt64(Int32.max) ? Int(shard) : nil }
            shift += 7
        }
        return nil
    }

    private static func sextet(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): character - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): character - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0") + 52
        case UInt8(ascii: "-"): 62
        case UInt8(ascii: "_"): 63
        default: nil
        }
    }
}

extension MessageBus {
    /// Publishes a callback straight to the callback queue of the shard its task token names; when that fails
    /// (a token naming a shard that does not exist, or one that is not a Baton token), to the entry callback
    /// queue, whose orchestrator answers or forwards it. With one orchestrator both are ``Names/callbackQueue``.
    /// - Throws: what publishing to the entry queue throws.
    public func publishCallback(_ message: BusMessage, taskToken: String, names: Names) async throws {
        let direct = names.callbackQueue(shard: ShardMap.shard(ofTaskToken: taskToken) ?? 0)
        if direct != names.callbackQueue {
            do {
                return try await publish(message, toQueue: direct)
            } catch {
                // Fall through: the entry queue's orchestrator forwards it or answers InvalidToken.
            }
        }
        try await publish(message, toQueue: names.callbackQueue)
    }
}
