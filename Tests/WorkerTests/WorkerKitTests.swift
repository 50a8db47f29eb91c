import BatonJSON
import Foundation
import Testing
import WorkerKit

/// The broker-free parts of WorkerKit: knob, latency and script parsing, token lookup, seeded decisions.
@Suite struct WorkerKitTests {
    @Test func latencyDistributionsParseFromTheirTextForm() throws {
        #expect(try LatencyDistribution(parsing: "fixed:50ms") == .fixed(.milliseconds(50)))
        #expect(
            try LatencyDistribution(parsing: "uniform:10ms..200ms") == .uniform(.milliseconds(10), .milliseconds(200)))
        #expect(try LatencyDistribution(parsing: "exp:mean=50ms") == .exponential(mean: .milliseconds(50)))
        #expect(
            try LatencyDistribution(parsing: "lognormal:median=50ms,sigma=0.5")
                == .lognormal(median: .milliseconds(50), sigma: 0.5))
        #expect(throws: KnobError.self) { try LatencyDistribution(parsing: "gauss:1s") }
        #expect(throws: KnobError.self) { try LatencyDistribution(parsing: "uniform:2s..1s") }
    }

    @Test func samplesStayInRangeAndRepeatForTheSameSeed() throws {
        let uniform = try LatencyDistribution(parsing: "uniform:10ms..20ms")
        var first = SeededRandom(seed: 7), second = SeededRandom(seed: 7)
        for _ in 0..<1000 {
            let sample = uniform.sample(using: &first)
            #expect(sample >= .milliseconds(10) && sample <= .milliseconds(20))
            #expect(sample == uniform.sample(using: &second))
        }
        var random = SeededRandom(seed: 1)
        let exp = try LatencyDistribution(parsing: "exp:mean=100ms")
        let mean = (0..<20_000).map { _ in DurationText.seconds(exp.sample(using: &random)) }.reduce(0, +) / 20_000
        #expect(abs(mean - 0.1) < 0.01)
    }

    @Test func knobsParseByNameAndPerFunctionOverridesApply() throws {
        var set = KnobSet()
        try set.global.set("failure-rate", to: "0.25")
        try set.set(knob: "sleep.latency=lognormal:median=50ms,sigma=0.5")
        try set.set(knob: "echo.failure-rate=1")
        #expect(set.knobs(for: "echo").failureRate == 1)
        #expect(set.knobs(for: "fail").failureRate == 0.25)
        #expect(set.knobs(for: "sleep").latency == .lognormal(median: .milliseconds(50), sigma: 0.5))
        #expect(throws: KnobError.self) { try set.set(knob: "echo.failure-rate=2") }
        #expect(throws: KnobError.self) { try set.set(knob: "echo.nonsense=1") }
        var knobs = FaultKnobs()
        try knobs.set("crash_rate", to: "1")
        var random = SeededRandom(seed: 3)
        #expect(knobs.decide(using: &random).crash)
    }

    @Test func scriptPicksSpecificAttemptsBeforeRangesBeforeTheWildcard() throws {
        let script = try OutcomeScript(
            json: Data(
                #"""
                {"States": {"S": {"*": {"Return": 1}, "1-3": {"NoCallback": true}, "2": {"Crash": true},
                                  "0": {"Throw": {"Error": "E", "Cause": "C"}}}}}
                """#.utf8))
        #expect(script.outcome(state: "S", attempt: 0) == .fail(error: "E", cause: "C"))
        #expect(script.outcome(state: "S", attempt: 1) == .noCallback)
        #expect(script.outcome(state: "S", attempt: 2) == .crash)
        #expect(script.outcome(state: "S", attempt: 9) == .succeed(output: "1"))
        #expect(script.outcome(state: "T", attempt: 0) == nil)
        #expect(throws: KnobError.self) { try OutcomeScript(json: Data(#"{"States": {"S": {"x": {}}}}"#.utf8)) }
    }

    @Test func tokensAreFoundAtTheTopLevelUnderPayloadOrInputAndInStringBodies() {
        #expect(TaskTokenLocator.token(in: Array(#"{"TaskToken":"a"}"#.utf8)) == "a")
        #expect(TaskTokenLocator.token(in: Array(#"{"Payload":{"taskToken":"b"}}"#.utf8)) == "b")
        #expect(TaskTokenLocator.token(in: Array(#"{"input":{"token":"c"}}"#.utf8)) == "c")
        #expect(TaskTokenLocator.token(in: Array(#""{\"taskToken\":\"d\"}""#.utf8)) == "d")
        #expect(TaskTokenLocator.token(in: Array(#"{"other":1}"#.utf8)) == nil)
        #expect(TaskTokenLocator.removingToken(from: ["taskToken": "x", "a": 1]).keys.sorted() == ["a"])
    }
}
