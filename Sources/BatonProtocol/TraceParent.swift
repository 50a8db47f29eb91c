/// W3C Trace Context `traceparent` values (https://www.w3.org/TR/trace-context/): carried from StartExecution
/// into every task message and back on every callback, so one execution can be followed across processes.
public enum TraceParent {
    /// A fresh `traceparent`: version `00`, a random 16-byte trace id, a random 8-byte parent id, flags `01`
    /// (sampled); neither id is all zeros, which the format forbids.
    public static func generate<Generator: RandomNumberGenerator>(using generator: inout Generator) -> String {
        func hex(_ bytes: Int) -> String {
            while true {
                let values = (0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) }
                guard values.contains(where: { $0 != 0 }) else { continue }
                return values.map { byte in
                    let text = String(byte, radix: 16)
                    return byte < 16 ? "0" + text : text
                }.joined()
            }
        }
        return "00-\(hex(16))-\(hex(8))-01"
    }

    /// A fresh `traceparent` from the system's random source.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return generate(using: &generator)
    }

    /// Whether `value` is a valid `traceparent`: `version-traceid-parentid-flags` in lower-case hex, version not
    /// `ff`, ids not all zeros; version `00` has exactly these four fields, a later version may append more.
    public static func isValid(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard bytes.count >= 55 else { return false }
        func isHex(_ range: Range<Int>) -> Bool {
            bytes[range].allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
        }
        func isZero(_ range: Range<Int>) -> Bool { bytes[range].allSatisfy { $0 == 0x30 } }
        let dash = UInt8(ascii: "-")
        guard isHex(0..<2), bytes[2] == dash, isHex(3..<35), bytes[35] == dash, isHex(36..<52), bytes[52] == dash,
            isHex(53..<55)
        else { return false }
        let version = String(decoding: bytes[0..<2], as: UTF8.self)
        guard version != "ff", !isZero(3..<35), !isZero(36..<52) else { return false }
        return version == "00" ? bytes.count == 55 : (bytes.count == 55 || bytes[55] == dash)
    }
}
