/// The 64-bit FNV-1a hash: the project's one stable, seedless hash of bytes, for what must map the same way in every
/// process and every run (an execution name to its shard, a task token to a short id, a delivery to its random
/// stream). Not for hash tables fed by strangers (it is not keyed) and not for security.
public struct FNV1a: Sendable, Hashable {
    /// The hash of what was combined so far (the offset basis before anything).
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    /// An empty hash.
    public init() {}

    /// Mixes in bytes.
    /// - Parameter bytes: the bytes, in order.
    public mutating func combine(_ bytes: some Sequence<UInt8>) {
        for byte in bytes { combine(byte: byte) }
    }

    /// Mixes in one byte.
    /// - Parameter byte: the byte.
    public mutating func combine(byte: UInt8) {
        value ^= UInt64(byte)
        value &*= 0x0000_0100_0000_01b3
    }

    /// The hash of a byte sequence.
    /// - Parameter bytes: the bytes.
    public static func hash(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash = FNV1a()
        hash.combine(bytes)
        return hash.value
    }

    /// The hash of a text's UTF-8 bytes in lowercase hexadecimal (no leading zeros): a short stable id.
    /// - Parameter text: the text, e.g. a task token.
    public static func hex(_ text: String) -> String {
        String(hash(text.utf8), radix: 16)
    }
}
