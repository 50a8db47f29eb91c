import CLibPQ
import Foundation

/// The PostgreSQL types the libpq backend converts, by OID (`pg_type`; fixed for built-in types), and how a column's
/// value becomes a ``SQLValue``: integers and bool → `.integer` (bool 0/1), floats → `.real`, NUMERIC → `.integer`
/// when it is a whole number that fits 64 bits (a `sum()` of BIGINTs) else `.real`, BYTEA → `.blob`, anything else
/// → `.text` (its text form).
enum PostgresType {
    static let bool: Oid = 16
    static let bytea: Oid = 17
    static let name: Oid = 19
    static let int8: Oid = 20
    static let int2: Oid = 21
    static let int4: Oid = 23
    static let text: Oid = 25
    static let oid: Oid = 26
    static let float4: Oid = 700
    static let float8: Oid = 701
    static let bpchar: Oid = 1042
    static let varchar: Oid = 1043
    static let numeric: Oid = 1700

    /// Whether ``decodeBinary(_:type:)`` reads this type's binary form (the text types' binary form is their text).
    static func decodesBinary(_ type: Oid) -> Bool {
        switch type {
        case bool, bytea, name, int8, int2, int4, text, oid, float4, float8, bpchar, varchar: true
        default: false
        }
    }

    /// A non-NULL value in binary format (network byte order) of a type ``decodesBinary(_:)`` accepts.
    static func decodeBinary(_ bytes: UnsafeRawBufferPointer, type: Oid) -> SQLValue {
        switch (type, bytes.count) {
        case (int8, 8): .integer(Int64(bigEndian: bytes.loadUnaligned(as: Int64.self)))
        case (int4, 4): .integer(Int64(Int32(bigEndian: bytes.loadUnaligned(as: Int32.self))))
        case (int2, 2): .integer(Int64(Int16(bigEndian: bytes.loadUnaligned(as: Int16.self))))
        case (oid, 4): .integer(Int64(UInt32(bigEndian: bytes.loadUnaligned(as: UInt32.self))))
        case (float8, 8): .real(Double(bitPattern: UInt64(bigEndian: bytes.loadUnaligned(as: UInt64.self))))
        case (float4, 4): .real(Double(Float(bitPattern: UInt32(bigEndian: bytes.loadUnaligned(as: UInt32.self)))))
        case (bool, 1): .integer(bytes[0] == 0 ? 0 : 1)
        case (bytea, _): .blob(Data(bytes))
        default: .text(String(decoding: bytes, as: UTF8.self))
        }
    }

    /// A non-NULL value in text format.
    static func decodeText(_ bytes: UnsafeRawBufferPointer, type: Oid) -> SQLValue {
        let text = String(decoding: bytes, as: UTF8.self)
        switch type {
        case int8, int4, int2, oid:
            return Int64(text).map(SQLValue.integer) ?? .text(text)
        case float8, float4:
            return Double(text).map(SQLValue.real) ?? .text(text)
        case numeric:
            if let integer = Int64(text) { return .integer(integer) }
            return Double(text).map(SQLValue.real) ?? .text(text)
        case bool:
            return .integer(text == "t" ? 1 : 0)
        case bytea:
            return hexBytes(bytes).map(SQLValue.blob) ?? .text(text)
        default:
            return .text(text)
        }
    }

    /// The bytes of BYTEA's hex text form (`\x` then two hex digits a byte, PostgreSQL's default `bytea_output`,
    /// which every connection sets), or `nil` for anything else.
    static func hexBytes(_ text: UnsafeRawBufferPointer) -> Data? {
        guard text.count >= 2, text.count % 2 == 0, text[0] == UInt8(ascii: "\\"), text[1] == UInt8(ascii: "x")
        else { return nil }
        func nibble(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit &- UInt8(ascii: "a") &+ 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit &- UInt8(ascii: "A") &+ 10
            default: nil
            }
        }
        var data = Data(count: (text.count - 2) / 2)
        let valid = data.withUnsafeMutableBytes { (output: UnsafeMutableRawBufferPointer) -> Bool in
            var index = 2
            var byte = 0
            while index < text.count {
                guard let high = nibble(text[index]), let low = nibble(text[index + 1]) else { return false }
                output[byte] = high << 4 | low
                index += 2
                byte += 1
            }
            return true
        }
        return valid ? data : nil
    }
}
