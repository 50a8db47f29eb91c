import BatonJSON
import Testing

@testable import BatonConsole

@Suite struct ExecutionTimelineTests {
    static func event(_ id: Int64, _ previous: Int64, _ type: String, at time: Double, name: String? = nil) -> JSON {
        var object: JSONObject = [
            "id": .integer(id), "previousEventId": .integer(previous), "type": .string(type),
            "timestamp": .number(time),
        ]
        if let name {
            let key = type.hasSuffix("Exited") ? "stateExitedEventDetails" : "stateEnteredEventDetails"
            object[key] = ["name": .string(name)]
        }
        return .object(object)
    }

    @Test func retriedTaskShowsEachAttemptAndTheOpenOneWaits() {
        let events = [
            Self.event(1, 0, "ExecutionStarted", at: 100),
            Self.event(2, 0, "PassStateEntered", at: 100, name: "Prepare"),
            Self.event(3, 2, "PassStateExited", at: 101, name: "Prepare"),
            Self.event(4, 3, "TaskStateEntered", at: 101, name: "Call"),
            Self.event(5, 4, "TaskScheduled", at: 101),
            Self.event(6, 5, "TaskStarted", at: 101),
            Self.event(7, 6, "TaskTimedOut", at: 104),
            Self.event(8, 7, "TaskScheduled", at: 105),
            Self.event(9, 8, "TaskStarted", at: 105),
        ]
        let timeline = ExecutionTimeline(events: events, now: 110)
        #expect(timeline.spans.map(\.label) == ["Prepare", "Call", "attempt 1", "attempt 2"])
        #expect(timeline.spans.map(\.outcome) == ["succeeded", "running", "timed-out", "waiting"])
        #expect(timeline.spans[2].end == 104)
        #expect(timeline.spans[3].end == nil)
        #expect(timeline.outcomes == ["Prepare": "succeeded", "Call": "waiting"])
        #expect(timeline.range.start == 100 && timeline.range.end == 110)
        #expect(timeline.html.contains("bar task open"))
        #expect(timeline.html.contains("bar task failed"))
        #expect(!timeline.html.contains("class=\"tick\""))
        var beating = timeline
        beating.heartbeats = [107]
        // 107 s is 70 % of the way from 100 s to 110 s, on the open attempt's row.
        #expect(beating.html.contains(#"<span class="tick" style="left:70.00%" title="heartbeat"></span>"#))
    }

    @Test func branchesInterleavedAreMatchedByTheirChainsAndFailuresEndOpenStates() {
        let events = [
            Self.event(1, 0, "ExecutionStarted", at: 0),
            Self.event(2, 0, "ParallelStateEntered", at: 0, name: "Fan"),
            Self.event(3, 2, "TaskStateEntered", at: 1, name: "A"),
            Self.event(4, 2, "TaskStateEntered", at: 1, name: "B"),
            Self.event(5, 3, "TaskScheduled", at: 1),
            Self.event(6, 4, "TaskScheduled", at: 1),
            Self.event(7, 6, "TaskSucceeded", at: 2),
            Self.event(8, 7, "TaskStateExited", at: 2, name: "B"),
            Self.event(9, 5, "TaskFailed", at: 3),
            Self.event(10, 9, "ExecutionFailed", at: 3),
        ]
        let timeline = ExecutionTimeline(events: events, now: 50)
        let byLabel = Dictionary(grouping: timeline.spans.filter { !$0.isAttempt }, by: \.label)
        #expect(byLabel["B"]?.first?.outcome == "succeeded")
        #expect(byLabel["A"]?.first?.outcome == "failed")
        #expect(byLabel["A"]?.first?.end == 3)
        #expect(timeline.range.end == 3)
        #expect(timeline.outcomes["Fan"] == "failed")
    }
}
