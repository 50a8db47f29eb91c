import BatonJSON
import Synchronization

/// W3C Trace Context `traceparent` values (https://www.w3.org/TR/trace-context/): carried from StartExecution
/// into every task message and back on every callback, so one execution can be followed across processes.
public enum TraceParent {
    /// A fresh `traceparent`: version `00`, a random 16-byte trace id, a random 8-byte parent id, flags `01`
    /// (sampled); neither id is all zeros, which the format forbids.
    public static func generate<Generator: RandomNumberGenerator>(using generator: inout Generator) -> String {
        let digits = Array("0123456789abcdef".utf8)
        func hex(_ words: Int, into out: inout [UInt8]) {
            while true {
                let values = (0..<words).map { _ in generator.next() }
                guard values.contains(where: { $0 != 0 }) else { continue }
                for value in values {
                    for shift in stride(from: 60, through: 0, by: -4) {
                        out.append(digits[Int((value >> UInt64(shift)) & 0xF)])
                    }
                }
                return
            }
        }
        var out = Array("00-".utf8)
        out.reserveCapacity(55)
        hex(2, into: &out)
        out.append(UInt8(ascii: "-"))
        hex(1, into: &out)
        out += Array("-01".utf8)
        return String(decoding: out, as: UTF8.self)
    }

    /// A fresh `traceparent` from a process-wide generator seeded once from the system's random source: trace ids
    /// must be unique, not secret, and a start must not cost a system call per byte.
    public static func generate() -> String {
        var generator = TraceIDGenerator()
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

/// splitmix64 over one process-wide counter, seeded from the system's random source on first use: lock-free, and
/// no system call per value.
struct TraceIDGenerator: RandomNumberGenerator {
    private static let state = Atomic<UInt64>(UInt64.random(in: .min ... .max))

    mutating func next() -> UInt64 {
        SeededRandom.mix(Self.state.wrappingAdd(SeededRandom.increment, ordering: .relaxed).newValue)
    }
}
