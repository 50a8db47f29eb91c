import BatonJSON
import Foundation
import JSONata

/// The functions AWS adds to JSONata in state machines: `$partition`, `$range`, `$hash`, `$random`, `$uuid`
/// and `$parse`.
extension JSONataTemplate {
    /// The random source of one evaluation: seeded, so a replayed execution draws the same values.
    final class RandomSource {
        var generator: SeededRandom
        init(seed: UInt64) { generator = SeededRandom(seed: seed) }
    }

    static func failure(_ function: String, _ message: String) -> JSONataError {
        JSONataError("D3137", token: function, detail: "$\(function): \(message)")
    }

    static func awsFunctions(seed: UInt64) -> [String: JSONataFunction] {
        let source = RandomSource(seed: seed)
        return [
            "partition": JSONataFunction(signature: "<an:a>") { arguments throws(JSONataError) in
                guard case .array(let array)? = arguments[0], let size = arguments[1]?.doubleValue else { return nil }
                guard size >= 1, size == size.rounded(), size <= Double(Int32.max) else {
                    throw failure("partition", "the chunk size must be a positive integer")
                }
                let chunk = Int(size)
                return .array(
                    stride(from: 0, to: array.count, by: chunk).map {
                        .array(Array(array[$0..<min($0 + chunk, array.count)]))
                    })
            },
            "range": JSONataFunction(signature: "<nnn?:a>") { arguments throws(JSONataError) in
                guard let start = arguments[0]?.doubleValue, let end = arguments[1]?.doubleValue else { return nil }
                let step = arguments.count > 2 ? arguments[2]?.doubleValue ?? 1 : 1
                guard [start, end, step].allSatisfy({ $0 == $0.rounded() && abs($0) < 1e15 }), step != 0 else {
                    throw failure("range", "start, end and step must be integers, and step not 0")
                }
                var values: [JSON] = []
                var value = start
                while step > 0 ? value <= end : value >= end {
                    values.append(.integer(Int64(value)))
                    if values.count > 1000 { throw failure("range", "the range has more than 1000 items") }
                    value += step
                }
                return .array(values)
            },
            "hash": JSONataFunction(signature: "<ss:s>") { arguments throws(JSONataError) in
                guard case .string(let data)? = arguments[0], case .string(let name)? = arguments[1] else {
                    return nil
                }
                guard let digest = IntrinsicDigest(rawValue: name) else {
                    let names = IntrinsicDigest.allCases.map(\.rawValue).joined(separator: ", ")
                    throw failure("hash", "the algorithm '\(name)' is not supported; use one of \(names)")
                }
                return .string(digest.hexDigest(of: Array(data.utf8)))
            },
            "random": JSONataFunction(signature: "<n?:n>") { arguments throws(JSONataError) in
                if let seed = arguments.first??.doubleValue {
                    var seeded = SeededRandom(seed: UInt64(bitPattern: Int64(max(min(seed, 9e18), -9e18))))
                    return .number(Double.random(in: 0..<1, using: &seeded))
                }
                return .number(Double.random(in: 0..<1, using: &source.generator))
            },
            "uuid": JSONataFunction(signature: "<:s>") { _ throws(JSONataError) in
                .string(IntrinsicEvaluator.uuid(random: &source.generator))
            },
            "parse": JSONataFunction(signature: "<s:j>") { arguments throws(JSONataError) in
                guard case .string(let text)? = arguments[0] else { return nil }
                do {
                    return try JSON(parsing: text)
                } catch {
                    throw failure("parse", "not JSON: \(error)")
                }
            },
        ]
    }
}
