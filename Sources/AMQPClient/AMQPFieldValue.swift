/// A value in an AMQP field table (message headers, queue arguments, client properties).
public indirect enum AMQPFieldValue: Sendable, Hashable {
    /// A boolean (`t`).
    case bool(Bool)
    /// An 8-bit signed integer (`b`).
    case int8(Int8)
    /// A 16-bit signed integer (`s`).
    case int16(Int16)
    /// A 32-bit signed integer (`I`).
    case int32(Int32)
    /// A 64-bit signed integer (`l`); integer literals become this.
    case int64(Int64)
    /// A 32-bit float (`f`).
    case float(Float)
    /// A 64-bit float (`d`).
    case double(Double)
    /// A decimal: `value / 10^scale` (`D`).
    case decimal(scale: UInt8, value: UInt32)
    /// A UTF-8 long string (`S`); string literals become this.
    case string(String)
    /// Raw bytes (`x`).
    case bytes([UInt8])
    /// A timestamp in seconds since the Unix epoch (`T`).
    case timestamp(UInt64)
    /// A nested array (`A`).
    case array([AMQPFieldValue])
    /// A nested table (`F`).
    case table(AMQPTable)
    /// No value (`V`).
    case void
}

/// An AMQP field table: header or argument names to values.
public typealias AMQPTable = [String: AMQPFieldValue]

extension AMQPFieldValue: ExpressibleByStringLiteral {
    /// Creates a `.string` value.
    public init(stringLiteral value: String) { self = .string(value) }
}

extension AMQPFieldValue: ExpressibleByIntegerLiteral {
    /// Creates an `.int64` value.
    public init(integerLiteral value: Int64) { self = .int64(value) }
}

extension AMQPFieldValue: ExpressibleByBooleanLiteral {
    /// Creates a `.bool` value.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension AMQPFieldValue {
    /// The value as a string, if it is `.string` (or UTF-8 `.bytes`).
    public var stringValue: String? {
        switch self {
        case .string(let value): value
        case .bytes(let value): String(decoding: value, as: UTF8.self)
        default: nil
        }
    }

    /// The value as an integer, if it is any integer kind or a timestamp.
    public var intValue: Int64? {
        switch self {
        case .int8(let value): Int64(value)
        case .int16(let value): Int64(value)
        case .int32(let value): Int64(value)
        case .int64(let value): value
        case .timestamp(let value): Int64(exactly: value)
        default: nil
        }
    }

    /// The value as a boolean, if it is `.bool`.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }
}
