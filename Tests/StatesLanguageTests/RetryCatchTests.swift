import BatonJSON
import Testing

@testable import StatesLanguage

@Suite struct RetryCatchTests {
    /// Runs errors through a policy, feeding the counters back, and returns each decision.
    static func run(
        _ policy: RetryPolicy, _ errors: [String], random: (ClosedRange<Double>) -> Double = { $0.upperBound }
    )
        -> [RetryDecision]
    {
        var counters = policy.initialCounters
        return errors.map { name in
            let decision = policy.decide(
                error: StatesError(name, cause: "boom"), attemptsSoFar: counters, random: random)
            if case .retry(_, _, let updated) = decision { counters = updated }
            return decision
        }
    }

    static func delays(_ decisions: [RetryDecision]) -> [Double?] {
        decisions.map { if case .retry(let delay, _, _) = $0 { delay } else { nil } }
    }

    @Test func defaultsAreAWSDefaults() {
        let retrier = Retrier(errorEquals: ["E"])
        #expect(retrier.intervalSeconds == 1)
        #expect(retrier.maxAttempts == 3)
        #expect(retrier.backoffRate == 2.0)
        #expect(retrier.maxDelaySeconds == nil)
        #expect(retrier.jitterStrategy == .none)
    }

    @Test func backoffGrowsByRateAndGivesUpAfterMaxAttempts() {
        let policy = RetryPolicy(retriers: [Retrier(errorEquals: ["E"])])
        #expect(Self.delays(Self.run(policy, ["E", "E", "E", "E"])) == [1, 2, 4, nil])
        let slow = RetryPolicy(retriers: [
            Retrier(errorEquals: ["E"], intervalSeconds: 3, maxAttempts: 4, backoffRate: 1.5)
        ])
        #expect(Self.delays(Self.run(slow, ["E", "E", "E", "E", "E"])) == [3, 4.5, 6.75, 10.125, nil])
    }

    @Test func maxDelaySecondsCapsTheBackoff() {
        let policy = RetryPolicy(retriers: [
            Retrier(errorEquals: ["E"], intervalSeconds: 3, maxAttempts: 5, backoffRate: 3, maxDelaySeconds: 10)
        ])
        #expect(Self.delays(Self.run(policy, ["E", "E", "E", "E", "E", "E"])) == [3, 9, 10, 10, 10, nil])
    }

    @Test func hugeBackoffStaysFinite() {
        let retrier = Retrier(
            errorEquals: ["E"], intervalSeconds: 99_999_999, maxAttempts: 99_999_999, backoffRate: 1e300)
        #expect(retrier.backoff(forAttempt: 1000).isFinite)
    }

    @Test func maxAttemptsZeroNeverRetriesAndDoesNotFallThrough() {
        let policy = RetryPolicy(retriers: [
            Retrier(errorEquals: ["States.Timeout"], maxAttempts: 0), Retrier(errorEquals: ["States.ALL"]),
        ])
        #expect(Self.run(policy, ["States.Timeout"]) == [.giveUp])
        #expect(Self.run(policy, ["Other"]) == [.retry(after: 1, retrierIndex: 1, counters: [0, 1])])
    }

    @Test func fullJitterDrawsFromZeroToTheCappedBackoff() {
        let policy = RetryPolicy(retriers: [
            Retrier(errorEquals: ["E"], intervalSeconds: 2, maxAttempts: 3, maxDelaySeconds: 5, jitterStrategy: .full)
        ])
        var ranges: [ClosedRange<Double>] = []
        let decisions = Self.run(policy, ["E", "E", "E"]) { range in
            ranges.append(range)
            return range.upperBound * 0.25
        }
        #expect(ranges == [0...2, 0...4, 0...5])
        #expect(Self.delays(decisions) == [0.5, 1, 1.25])
        let outOfRange = Self.run(policy, ["E"]) { _ in 99 }
        #expect(Self.delays(outOfRange) == [2])
    }

    /// AWS's documented example: ErrorA, ErrorB, ErrorC, ErrorB against two retriers and a States.ALL catcher.
    @Test func countersArePerRetrierAsInTheAWSExample() throws {
        let definition = try StateMachineDefinition.parse(
            #"""
            {"StartAt":"X","States":{
              "X":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:task:X","Next":"Y",
                   "Retry":[{"ErrorEquals":["ErrorA","ErrorB"],"IntervalSeconds":1,"BackoffRate":2.0,"MaxAttempts":2},
                            {"ErrorEquals":["ErrorC"],"IntervalSeconds":5}],
                   "Catch":[{"ErrorEquals":["States.ALL"],"Next":"Z"}]},
              "Y":{"Type":"Succeed"},"Z":{"Type":"Fail"}}}
            """#)
        let state = try #require(definition.states["X"])
        let decisions = Self.run(state.retryPolicy, ["ErrorA", "ErrorB", "ErrorC", "ErrorB"])
        #expect(
            decisions == [
                .retry(after: 1, retrierIndex: 0, counters: [1, 0]),
                .retry(after: 2, retrierIndex: 0, counters: [2, 0]),
                .retry(after: 5, retrierIndex: 1, counters: [2, 1]),
                .giveUp,
            ])
        #expect(Catcher.match(StatesError("ErrorB", cause: ""), in: state.catchers)?.catcher.next == "Z")
    }

    @Test(arguments: [
        ("States.ALL", "Custom.Error", true), ("States.ALL", "States.Timeout", true),
        ("States.ALL", "States.TaskFailed", true),
        ("States.ALL", "States.Runtime", false), ("States.ALL", "States.DataLimitExceeded", false),
        ("States.TaskFailed", "Custom.Error", true), ("States.TaskFailed", "States.Timeout", false),
        ("States.TaskFailed", "States.Permissions", true),
        ("States.TaskFailed", "States.Runtime", false), ("States.TaskFailed", "States.DataLimitExceeded", false),
        ("States.Timeout", "States.Timeout", true), ("States.HeartbeatTimeout", "States.Timeout", false),
        ("States.DataLimitExceeded", "States.DataLimitExceeded", true), ("States.Runtime", "States.Runtime", false),
        ("Custom.Error", "custom.error", false), ("Custom.Error", "Custom.Error", true),
    ])
    func errorMatchingFollowsAWS(_ pattern: String, _ error: String, _ matches: Bool) {
        #expect(ErrorMatching.matches([pattern], error) == matches)
    }

    /// A missed heartbeat is `States.Timeout` (recorded on AWS) that `States.HeartbeatTimeout` also matches;
    /// `States.TaskFailed` excludes it as it excludes every States.Timeout.
    @Test func aMissedHeartbeatIsATimeoutThatHeartbeatTimeoutAlsoMatches() {
        let heartbeat = StatesError.heartbeatTimeout
        #expect(heartbeat.error == "States.Timeout")
        for (pattern, matches) in [
            ("States.HeartbeatTimeout", true), ("States.Timeout", true), ("States.ALL", true),
            ("States.TaskFailed", false), ("Custom.Error", false),
        ] {
            #expect(ErrorMatching.matches([pattern], heartbeat) == matches, "\(pattern)")
        }
        #expect(!ErrorMatching.matches(["States.HeartbeatTimeout"], StatesError("States.Timeout", cause: "")))
        #expect(Catcher.errorOutput(for: heartbeat) == ["Error": "States.Timeout", "Cause": ""])
    }

    @Test func firstMatchingCatcherWins() {
        let catchers = [
            Catcher(errorEquals: ["States.Timeout"], next: "OnTimeout"),
            Catcher(errorEquals: ["States.TaskFailed"], next: "OnFailure", resultPath: .path("$.error")),
            Catcher(errorEquals: ["States.ALL"], next: "OnAnything"),
        ]
        #expect(Catcher.match(StatesError("States.Timeout", cause: ""), in: catchers)?.index == 0)
        #expect(Catcher.match(.heartbeatTimeout, in: catchers)?.index == 0)
        #expect(Catcher.match(StatesError("Worker.Crashed", cause: ""), in: catchers)?.catcher.next == "OnFailure")
        #expect(Catcher.match(StatesError("States.Runtime", cause: ""), in: catchers) == nil)
        #expect(Catcher.errorOutput(for: StatesError("E", cause: "C")) == ["Error": "E", "Cause": "C"])
    }

    @Test func seedCallbackTimeoutIsCaughtIntoTheFailState() throws {
        let definition = try StateMachineDefinition.parse(
            try DefinitionFixtures.text("valid-callback-with-timeout.asl.json"))
        let task = try #require(definition.states["Wait4Token"])
        guard case .task(let fields) = task.kind else {
            Issue.record("Wait4Token is not a Task")
            return
        }
        #expect(fields.resource == "arn:aws:states:::sqs:sendMessage.waitForTaskToken")
        #expect(fields.timeout == .seconds(300))
        #expect(fields.heartbeat == .seconds(60))
        #expect(task.transition == .next("Done"))
        let caught = try #require(Catcher.match(StatesError("States.Timeout", cause: "timed out"), in: task.catchers))
        #expect(caught.catcher.next == "TimedOut")
        #expect(caught.catcher.resultPath == .path("$.error"))
        #expect(Catcher.match(StatesError("States.TaskFailed", cause: ""), in: task.catchers) == nil)
        #expect(
            task.retryPolicy.decide(
                error: StatesError("States.Timeout", cause: ""), attemptsSoFar: [], random: { $0.upperBound })
                == .giveUp)
    }

    @Test func parsedRetriersKeepEveryField() throws {
        let definition = try StateMachineDefinition.parse(try DefinitionFixtures.text("valid-retry-and-catch.asl.json"))
        let state = try #require(definition.states["Call"])
        #expect(
            state.retriers == [
                Retrier(
                    errorEquals: ["Worker.Busy"], intervalSeconds: 2, maxAttempts: 5, backoffRate: 1.5,
                    maxDelaySeconds: 30, jitterStrategy: .full),
                Retrier(errorEquals: ["States.Timeout", "States.HeartbeatTimeout"], maxAttempts: 0),
                Retrier(errorEquals: ["States.ALL"]),
            ])
        #expect(state.catchers.map(\.resultPath) == [.path("$.failure"), .absent])
    }
}
