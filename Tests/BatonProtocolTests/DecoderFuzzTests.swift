import BatonJSON
import Testing

@testable import BatonProtocol

/// Generative fuzzing with a fixed seed: mutated and random bodies must be refused with an error, never trap.
@Suite struct DecoderFuzzTests {

    static let seeds: [[UInt8]] = [
        Callback(taskToken: "tok", outcome: .success(output: #"{"a":[1,2,{"b":null}]}"#)).encoded(),
        Callback(taskToken: "tok", outcome: .failure(error: "E", cause: "C")).encoded(),
        Callback(taskToken: "tok", outcome: .heartbeat).encoded(),
        CallbackReply.rejected("InvalidToken", "bad").encoded(),
    ]

    @Test func mutatedBodiesNeverTrap() {
        var random = SeededRandom(seed: 0xBA70_0001)
        let alphabet = Array(#"{}[]":,\ atrue0-9eE.u"#.utf8) + [0x00, 0xFF, 0xC3, 0xA9]
        var decoded = 0
        for iteration in 0..<30_000 {
            var body = Self.seeds[iteration % Self.seeds.count]
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let position = Int.random(in: 0..<max(body.count, 1), using: &random)
                switch Int.random(in: 0..<4, using: &random) {
                case 0 where !body.isEmpty: body[position] = alphabet.randomElement(using: &random)!
                case 1 where !body.isEmpty: body.remove(at: position)
                case 2: body.insert(alphabet.randomElement(using: &random)!, at: min(position, body.count))
                default: body = Array(body.prefix(position))
                }
            }
            if (try? Callback(decoding: body)) != nil { decoded += 1 }
            _ = try? CallbackReply(decoding: body)
        }
        // Most mutations break the message; some (inside string values) leave a valid one.
        #expect(decoded > 0 && decoded < 30_000)
    }
}
