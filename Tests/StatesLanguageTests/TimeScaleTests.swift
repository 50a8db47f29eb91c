import BatonJSON
import Foundation
import Testing

@testable import StatesLanguage

/// Under a time scale the interpreter shrinks the durations a definition states in seconds and leaves every date
/// as it is: history timestamps are the events' (wall-clock) dates, a Wait `Timestamp` is the date it names.
@Suite struct TimeScaleTests {
    static let scaled = InterpreterConfiguration(timeScale: 10)

    @Test(arguments: [
        (#""Seconds":30"#, [String: JSON](), 3.0),
        (#""SecondsPath":"$.s""#, ["s": JSON.integer(70)], 7.0),
        (#""Timestamp":"2023-11-14T22:13:40Z""#, [:], 20.0),
    ])
    func waitSecondsShrinkButTimestampsStayDates(field: String, input: [String: JSON], seconds: Double) throws {
        var driver = try InterpreterDriver(
            #"{"StartAt":"W","States":{"W":{"Type":"Wait",\#(field),"Next":"Done"},"Done":{"Type":"Succeed"}}}"#,
            configuration: Self.scaled)
        try driver.start(.object(JSONObject(input.map { ($0.key, $0.value) })))
        let timer = try #require(driver.timers.values.first)
        #expect(timer.fireAt == InterpreterDriver.epoch.addingTimeInterval(seconds))
        #expect(driver.history.allSatisfy { $0.timestamp == InterpreterDriver.epoch })
    }

    @Test func retryIntervalsAndTheExecutionTimeoutShrink() throws {
        var driver = try InterpreterDriver(
            """
            {"StartAt":"T","TimeoutSeconds":600,"States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
            "Retry":[{"ErrorEquals":["Busy"],"IntervalSeconds":20,"BackoffRate":1,"MaxAttempts":1}],"End":true}}}
            """, configuration: Self.scaled)
        try driver.start()
        let execution = try #require(driver.timers.values.first { $0.purpose == .executionTimeout })
        #expect(execution.fireAt == InterpreterDriver.epoch.addingTimeInterval(60))
        driver.now = driver.now.addingTimeInterval(1)
        try driver.fail(driver.lastTask.taskId, "Busy")
        let backoff = try #require(driver.timers.values.first { $0.purpose == .retryBackoff })
        #expect(backoff.fireAt == driver.now.addingTimeInterval(2))
        try driver.advance(2)
        #expect(driver.lastTask.attempt == 1)
        #expect(driver.history.last?.timestamp == InterpreterDriver.epoch.addingTimeInterval(3))
    }
}
