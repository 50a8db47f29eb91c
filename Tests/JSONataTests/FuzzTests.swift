import BatonJSON
import Foundation
import JSONata
import Testing

/// Generative fuzzing with a fixed seed: every expression of the reference suite, mutated, and random token
/// soup, parsed and evaluated against a dataset. Any JSONata error is fine; a trap fails the whole run, and each
/// evaluation must end within its time limit plus a margin.
@Suite struct FuzzTests {
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let tokens = [
        "$", "$$", "$x", "$f", ".", "..", "[", "]", "{", "}", "(", ")", ",", ";", ":", ":=", "?", "?:", "??", "~>",
        "@", "#", "*", "**", "%", "&", "=", "!=", "<", "<=", ">", ">=", "+", "-", "/", "and", "or", "in", "|",
        "^(", "function($x){", "λ($a,$b)<nn:n>{", "'s'", "\"t\"", "`q r`", "0", "1", "-2.5e3", "1e400", "true",
        "null", "/a+/i", "Account", "Order", "Product", "Price", "$sum(", "$map(", "$string(", "$sort(", "$eval(",
        "$formatNumber(", "$fromMillis(", "$reduce(", "$match(", "$replace(", "$split(", "$each(", "$sift(",
        "[1..5]", "/*c*/", "\\", "\u{0}", "é",
    ]

    static func referenceExpressions() throws -> [String] {
        let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let groups = fixtures.appendingPathComponent("groups")
        var expressions: [String] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: groups.path).sorted() {
            let bytes = try Data(contentsOf: groups.appendingPathComponent(file))
            for testCase in try JSON(parsing: Array(bytes)).arrayValue ?? [] {
                if let expr = testCase["expr"]?.stringValue { expressions.append(expr) }
            }
        }
        return expressions
    }

    static func mutate(_ text: String, using random: inout SplitMix64) -> String {
        var characters = Array(text)
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            let choice = Int.random(in: 0..<4, using: &random)
            let position = characters.isEmpty ? 0 : Int.random(in: 0..<characters.count, using: &random)
            switch choice {
            case 0 where !characters.isEmpty: characters.remove(at: position)
            case 1: characters.insert(contentsOf: tokens.randomElement(using: &random)!, at: position)
            case 2 where characters.count > 1:
                characters.swapAt(position, Int.random(in: 0..<characters.count, using: &random))
            default: characters.insert(contentsOf: characters.prefix(8), at: position)
            }
        }
        return String(characters)
    }

    @Test func mutatedAndRandomExpressionsNeverTrapAndEndInTime() throws {
        var random = SplitMix64(state: 0x15AA_2026)
        let seeds = try Self.referenceExpressions()
        let input = try JSON(
            parsing: #"{"Account":{"Order":[{"Product":[{"Price":34.45,"Quantity":2}]},{"Product":[]}]},"a":[1,[2,3]]}"#
        )
        let limits = JSONataLimits(maximumDepth: 500, timeLimit: .milliseconds(250))
        let clock = ContinuousClock()
        var parsed = 0
        var evaluated = 0
        var slowest = Duration.zero
        for iteration in 0..<6000 {
            let text: String
            if iteration % 3 == 2 {
                text = (0..<Int.random(in: 1...12, using: &random)).map { _ in
                    Self.tokens.randomElement(using: &random)!
                }.joined()
            } else {
                text = Self.mutate(seeds[iteration % seeds.count], using: &random)
            }
            guard let expression = try? JSONataExpression(text) else { continue }
            parsed += 1
            let start = clock.now
            if (try? expression.evaluate(input, bindings: ["x": 1], limits: limits)) != nil { evaluated += 1 }
            slowest = max(slowest, clock.now - start)
        }
        #expect(parsed > 1000)
        #expect(evaluated > 300)
        #expect(slowest < .seconds(3), "an evaluation ran \(slowest)")
    }
}
