import BatonJSON
import Testing

@testable import StatesLanguage

@Suite struct IntrinsicTests {
    @Test func fixtureCasesMatchAWSDocumentedResultsAndErrors() throws {
        let cases = try DataPlaneFixture.cases("functions", in: "intrinsics")
        #expect(cases.count > 80)
        for testCase in cases {
            let name = testCase["name"]?.stringValue ?? "?"
            let text = try #require(testCase["expression"]?.stringValue)
            if let reason = testCase["syntaxError"]?.stringValue {
                #expect("\(name)") {
                    try IntrinsicFunction(text)
                } throws: { error in
                    (error as? IntrinsicSyntaxError)?.reason.contains(reason) == true
                }
                #expect(IntrinsicFunction.validate(text, at: "/p").first?.pointer == "/p", "\(name)")
                continue
            }
            let call = try IntrinsicFunction(text)
            #expect(IntrinsicFunction.validate(text, at: "/p").isEmpty, "\(name)")
            var random = SeededRandom(seed: 42)
            let input = testCase["input"] ?? .null
            let context = testCase["context"] ?? .null
            if let error = testCase["error"] {
                let expectedName = try #require(error["name"]?.stringValue)
                let expectedCause = try #require(error["cause"]?.stringValue)
                #expect("\(name)") {
                    try call.evaluate(input: input, context: context, random: &random)
                } throws: { thrown in
                    guard let thrown = thrown as? StatesError else { return false }
                    return thrown.error == expectedName && thrown.cause.contains(expectedCause)
                }
            } else {
                let result = try call.evaluate(input: input, context: context, random: &random)
                #expect(result == testCase["expected"], "\(name)")
            }
        }
    }

    @Test func uuidComesFromTheInjectedSourceAndIsVersion4() throws {
        let call = try IntrinsicFunction("States.UUID()")
        var first = SeededRandom(seed: 7)
        var second = SeededRandom(seed: 7)
        let a = try #require(try call.evaluate(input: [:], context: .null, random: &first).stringValue)
        let b = try #require(try call.evaluate(input: [:], context: .null, random: &second).stringValue)
        #expect(a == b)
        let groups = a.split(separator: "-").map(\.count)
        #expect(groups == [8, 4, 4, 4, 12])
        #expect(Array(a)[14] == "4")
        #expect("89ab".contains(Array(a)[19]))
        #expect(a == a.lowercased())
    }

    @Test func mathRandomWithoutSeedUsesTheInjectedSourceWithinRange() throws {
        let call = try IntrinsicFunction("States.MathRandom($.start, $.end)")
        let input: JSON = ["start": 1, "end": 999]
        var random = SeededRandom(seed: 1)
        var seen = Set<Int64>()
        for _ in 0..<500 {
            guard case .integer(let value) = try call.evaluate(input: input, context: .null, random: &random) else {
                Issue.record("MathRandom must return an integer")
                return
            }
            #expect((1..<999).contains(value))
            seen.insert(value)
        }
        #expect(seen.count > 100)
        var again = SeededRandom(seed: 1)
        var replay = SeededRandom(seed: 1)
        #expect(
            try call.evaluate(input: input, context: .null, random: &again)
                == call.evaluate(input: input, context: .null, random: &replay)
        )
    }

    @Test func seededMathRandomIgnoresTheInjectedSource() throws {
        let call = try IntrinsicFunction("States.MathRandom(0, 1000000, 99)")
        var a = SeededRandom(seed: 1)
        var b = SeededRandom(seed: 2)
        #expect(
            try call.evaluate(input: .null, context: .null, random: &a)
                == call.evaluate(input: .null, context: .null, random: &b))
    }

    @Test func digestsMatchPublishedVectors() {
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(
            IntrinsicDigest.sha256.hexDigest(of: million)
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        #expect(IntrinsicDigest.sha1.hexDigest(of: Array("abc".utf8)) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(IntrinsicDigest.md5.hexDigest(of: []) == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(
            IntrinsicDigest.sha384.hexDigest(of: Array("abc".utf8))
                == "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"
        )
        #expect(
            IntrinsicDigest.sha512.hexDigest(of: Array("abc".utf8))
                == "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        )
    }

    @Test func callsAreRecognisedByTheirPrefix() {
        #expect(IntrinsicFunction.looksLikeCall("States.Format('x')"))
        #expect(!IntrinsicFunction.looksLikeCall("$.States"))
    }
}
