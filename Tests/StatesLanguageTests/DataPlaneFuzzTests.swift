import BatonJSON
import Testing

@testable import StatesLanguage

/// Generative fuzzing of the data plane with a fixed seed: mutated and random path, intrinsic and template
/// strings evaluated against random JSON. Any error is fine; a trap fails the whole run.
@Suite struct DataPlaneFuzzTests {
    static let caseCount = 50_000

    static let seeds = [
        "$", "$$", "$.a.b[0]", "$['a b'].c", "$.a[-1]", "$.a[*].b", "$..b", "$.a[1:3]", "$.a[:2]", "$.a[-1:]",
        "$.a[?(@.p < 10)]", "$.a[?(@.isbn)]", "$.a[?(@.x == 'y' && @.n >= 2 || !(@.z))]", "$['a','b']", "$.a[0,1]",
        "$.*", "$$.Execution.Id", "$.a[?(@.p <= $['e'])]",
        "States.Format('x {} \\'y\\' \\{\\}', $.a)", "States.StringToJson($.s)", "States.JsonToString($)",
        "States.Array(1, 'a', true, null, $.a)", "States.ArrayPartition($.a, 2)", "States.ArrayContains($.a, 1)",
        "States.ArrayRange(1, 9, 2)", "States.ArrayGetItem($.a, 0)", "States.ArrayLength($.a)",
        "States.ArrayUnique($.a)", "States.Base64Encode($.s)", "States.Base64Decode('YQ==')",
        "States.Hash($.s, 'SHA-256')", "States.JsonMerge($.o, $.o, false)", "States.MathRandom(1, 5, 3)",
        "States.MathAdd($.n, -1)", "States.StringSplit($.s, ',')", "States.UUID()",
        "States.Format('{}', States.ArrayGetItem(States.StringSplit($.s, ','), 0))",
    ]

    static let alphabet: [Character] = Array("$@.[]()?*:,'\"\\{}!=<>&|- 0123456789abcsSxyzt") + ["é", "\u{0}"]

    @Test func randomAndMutatedExpressionsNeverTrap() throws {
        var random = SeededRandom(seed: 0xBA70_2024)
        let clock = ContinuousClock()
        let start = clock.now
        var parsedPaths = 0
        var parsedCalls = 0
        var evaluated = 0
        for iteration in 0..<Self.caseCount {
            let text = Self.expression(iteration, using: &random)
            let document = Self.randomJSON(depth: 3, using: &random)
            if let path = try? JSONPath(text) {
                parsedPaths += 1
                _ = path.evaluate(document, context: document)
                _ = path.normalized
                _ = JSONPath.validate(text, at: "/f", requireReference: true)
                _ = try? InputOutputProcessing.applyResultPath(.path(path), result: 1, input: document)
                _ = try? InputOutputProcessing.applyInputPath(.path(path), to: document, context: document)
                evaluated += 1
            }
            if let call = try? IntrinsicFunction(text) {
                parsedCalls += 1
                _ = try? call.evaluate(input: document, context: document, random: &random)
                evaluated += 1
            }
            _ = IntrinsicFunction.validate(text, at: "/f")
            let template: JSON = ["k.$": .string(text), "n": ["m.$": .string(text)], "l": [["x.$": "$"]]]
            if let compiled = try? PayloadTemplate(template) {
                _ = try? compiled.resolve(input: document, context: document, random: &random)
            }
        }
        let elapsed = clock.now - start
        // The mutations must still reach the evaluators, or the run proves little.
        #expect(parsedPaths > Self.caseCount / 20)
        #expect(parsedCalls > Self.caseCount / 50)
        #expect(evaluated > 0)
        // Performance is not asserted here (no timed unit tests); the duration is only reported.
        print("data-plane fuzz: \(Self.caseCount) cases in \(elapsed)")
    }

    @Test func pathologicalInputsAreRejectedOrBounded() throws {
        let long = String(repeating: "States.Array(", count: 5_000) + String(repeating: ")", count: 5_000)
        #expect(throws: IntrinsicSyntaxError.self) { try IntrinsicFunction(long) }
        let deepDocument = (0..<400).reduce(JSON.integer(1)) { inner, _ in .array([inner]) }
        #expect(try JSONPath("$..*").evaluate(deepDocument)?.arrayValue?.count == 400)
        #expect(throws: JSONPathSyntaxError.self) { try JSONPath("$[99999999999999999999]") }
        var random = SeededRandom(seed: 0)
        #expect(throws: StatesError.self) {
            try IntrinsicFunction("States.ArrayRange(-2147483648, 2147483647, 1)").evaluate(
                input: .null, context: .null, random: &random)
        }
    }

    // MARK: Generators

    static func expression(_ iteration: Int, using random: inout SeededRandom) -> String {
        if iteration % 10 == 0 {
            let length = Int.random(in: 0..<24, using: &random)
            return String((0..<length).map { _ in alphabet.randomElement(using: &random)! })
        }
        var characters = Array(seeds.randomElement(using: &random)!)
        for _ in 0..<Int.random(in: 0..<4, using: &random) {
            let position = Int.random(in: 0...characters.count, using: &random)
            switch Int.random(in: 0..<3, using: &random) {
            case 0: characters.insert(alphabet.randomElement(using: &random)!, at: position)
            case 1 where position < characters.count: characters.remove(at: position)
            default:
                if position < characters.count { characters[position] = alphabet.randomElement(using: &random)! }
            }
        }
        return String(characters)
    }

    static func randomJSON(depth: Int, using random: inout SeededRandom) -> JSON {
        let pick = Int.random(in: 0..<(depth > 0 ? 9 : 6), using: &random)
        switch pick {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &random))
        case 2: return .integer(Int64.random(in: -20...20, using: &random))
        case 3: return .number(Double.random(in: -100...100, using: &random))
        case 4: return .string(["a", "b", "x,y", "{\"a\":1}", "YQ==", "", "é"].randomElement(using: &random)!)
        case 5: return .integer(Int64.random(in: 0...3, using: &random))
        case 6, 7:
            var object = JSONObject()
            for key in ["a", "b", "s", "o", "n", "p", "x", "a b"].shuffled(using: &random).prefix(
                Int.random(in: 0...4, using: &random))
            {
                object[key] = randomJSON(depth: depth - 1, using: &random)
            }
            return .object(object)
        default:
            return .array(
                (0..<Int.random(in: 0...4, using: &random)).map { _ in randomJSON(depth: depth - 1, using: &random) })
        }
    }
}
