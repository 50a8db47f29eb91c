import BatonJSON
import BatonProtocol
import BatonTestSupport
import Foundation
import LocalProcesses
import StatesLanguage
import Testing

/// Dates a user reads are the wall clock's at any `BATON_TIME_SCALE`; only durations run in workflow time. The
/// built orchestrator runs an execution whose task times out after `2 × scale` workflow seconds — 2 real seconds
/// at every scale — and every date it reports (creationDate, startDate, stopDate, history timestamps, the
/// terminal event) must lie within seconds of this test's own clock.
@Suite(.serialized) struct WallClockTests {
    /// How far a reported date may be from the test's clock (process start-up and polling, not time scaling).
    static let slack: TimeInterval = 3

    @Test(arguments: [1.0, 10.0, 60.0])
    func datesAreWallClockTimeAtAnyTimeScale(scale: Double) async throws {
        try await withTaskSystem("wallclock", environment: ["BATON_TIME_SCALE": "\(scale)"]) {
            system, client, inbox, queue in
            let timeout = Int(2 * scale)
            let created = Date()
            let machine = try await client.createStateMachine(
                "wallclock", definition: Definitions.waitForCallback(queue: queue, timeout: timeout))
            let described = try JSON(
                parsing: try await client.command(
                    "DescribeStateMachine", request: #"{"stateMachineArn": "\#(machine)"}"#))
            Self.expectNear(described["creationDate"], created, "creationDate")

            let started = Date()
            let execution = try await client.startExecution(machine)
            _ = try await inbox.next()
            let running = try await client.describe(execution)
            Self.expectNear(running["startDate"], started, "startDate")
            let list = try JSON(
                parsing: try await client.command(
                    "ListExecutions", request: #"{"stateMachineArn": "\#(machine)"}"#))
            Self.expectNear(list["executions"]?.arrayValue?.first?["startDate"], started, "ListExecutions startDate")

            // The task times out after 2 real seconds whatever the scale: TimeoutSeconds is workflow time.
            let end = try await client.waitForEnd(execution, deadline: .seconds(20))
            let ended = Date()
            #expect(end["status"] == "FAILED")
            #expect(end["error"] == "CallbackTimeout")  // the States.Timeout catcher's Fail state
            Self.expectNear(end["stopDate"], ended, "stopDate")
            let elapsed = try #require(end["stopDate"]?.doubleValue) - (try #require(end["startDate"]?.doubleValue))
            #expect(elapsed >= 1.9 && elapsed < 2 + Self.slack, "the 2 real seconds a \(timeout) s timeout lasts")

            let history = try JSON(
                parsing: try await client.command(
                    "GetExecutionHistory", request: #"{"executionArn": "\#(execution)"}"#))
            let events = history["events"]?.arrayValue ?? []
            #expect(events.count >= 4)
            for event in events {
                let type = event["type"]?.stringValue ?? "?"
                let timestamp = try #require(event["timestamp"]?.doubleValue)
                #expect(
                    timestamp >= started.timeIntervalSince1970 - Self.slack
                        && timestamp <= ended.timeIntervalSince1970 + Self.slack,
                    "\(type) at \(Date(timeIntervalSince1970: timestamp)), between \(started) and \(ended)")
            }
        }
    }

    /// Expects `value` (epoch seconds) within `slack` of `date`.
    static func expectNear(
        _ value: JSON?, _ date: Date, _ field: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard let seconds = value?.doubleValue else {
            Issue.record("\(field) is missing", sourceLocation: sourceLocation)
            return
        }
        let reported = Date(timeIntervalSince1970: seconds)
        #expect(
            abs(reported.timeIntervalSince(date)) <= slack,
            "\(field) \(reported) is \(reported.timeIntervalSince(date)) s from the wall clock's \(date)",
            sourceLocation: sourceLocation)
    }
}
