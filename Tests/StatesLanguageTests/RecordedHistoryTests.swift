import BatonJSON
import Foundation
import Testing

@testable import StatesLanguage

/// Histories recorded against real AWS Step Functions (Fixtures/recorded, written by scripts/aws-recordings.py
/// from LocalStack's AWS-validated snapshot tests), replayed through the interpreter and compared event by
/// event: the types in order and every detail AWS recorded (inputs, outputs, assigned variables, parameters,
/// errors and causes). Task results and failures are fed from the recording; Wait timers fire when due.
@Suite struct RecordedHistoryTests {
    struct Fixture: Sendable, CustomTestStringConvertible {
        var name: String
        var source: String
        var definition: JSON
        var input: JSON
        var events: [(type: String, details: JSON?)]
        /// LocalStack sorted the events of Parallel branches and dropped ParallelStateSucceeded.
        var parallelEventsNormalized: Bool
        /// The recording ran against an activity deleted beforehand.
        var activityDeleted = false

        var testDescription: String { name }
    }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/recorded")

    static func load() throws -> [Fixture] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".json") }.sorted()
        return try names.map { file in
            let json = try JSON(parsing: Array(try Data(contentsOf: directory.appendingPathComponent(file))))
            let events = (json["events"]?.arrayValue ?? []).map { event in
                (type: event["type"]?.stringValue ?? "", details: event["details"])
            }
            return Fixture(
                name: String(file.dropLast(5)), source: json["source"]?.stringValue ?? "",
                definition: json["definition"] ?? .null, input: json["input"] ?? .null, events: events,
                parallelEventsNormalized: json["parallelEventsNormalized"] == true,
                activityDeleted: json["activityDeleted"] == true)
        }
    }

    @Test func thereAreAtLeastThirtyRecordings() throws {
        #expect(try Self.load().count >= 30)
    }

    @Test(arguments: try RecordedHistoryTests.load())
    func replayMatchesTheRecording(_ fixture: Fixture) throws {
        var configuration = InterpreterConfiguration()
        let deleted = fixture.activityDeleted
        configuration.activityExists = { _ in !deleted }
        var driver = try InterpreterDriver(fixture.definition.serialized, configuration: configuration)
        try driver.start(fixture.input, roleArn: "arn:aws:iam::123456789012:role/recorded")
        // Feed what the recording says happened outside the interpreter until the execution ends.
        var steps = 0
        replay: while driver.outcome == nil, steps < 200 {
            steps += 1
            let position = driver.history.count
            guard position < fixture.events.count else { break replay }
            let expected = fixture.events[position]
            let task = driver.openTasks.first
            switch expected.type {
            case "TaskStarted" where task != nil:
                try driver.send(.taskStarted(task!, at: driver.now))
            case "ActivityStarted" where task != nil:
                try driver.send(
                    .activityStarted(task!, workerName: expected.details?["workerName"]?.stringValue, at: driver.now))
            case "TaskSucceeded" where task != nil, "ActivitySucceeded" where task != nil:
                try driver.succeed(task!, Self.value(expected.details?["output"]) ?? .null)
            case "TaskSubmitted" where task != nil:
                try driver.send(
                    .taskSubmitted(task!, output: Self.value(expected.details?["output"]) ?? .null, at: driver.now))
            case "TaskTimedOut" where task != nil, "ActivityTimedOut" where task != nil:
                // The orchestrator arms the task's deadlines; here the recording says which one expired.
                let schedule = driver.scheduled.last { $0.taskId == task! }
                // AWS names both States.Timeout; the earlier deadline is the one that expired.
                let heartbeat =
                    schedule.map { task in
                        task.heartbeatSeconds.map { beat in task.timeoutSeconds.map { beat < $0 } ?? true } ?? false
                    } ?? false
                let seconds = (heartbeat ? schedule?.heartbeatSeconds : schedule?.timeoutSeconds) ?? 0
                driver.now = driver.now.addingTimeInterval(TimeInterval(seconds))
                try driver.send(
                    heartbeat ? .heartbeatTimedOut(task!, at: driver.now) : .taskTimedOut(task!, at: driver.now))
            case "TaskFailed" where task != nil, "ActivityFailed" where task != nil:
                // A cause AWS recorded as JSON text (a Lambda error) went through the recording's parser.
                let cause = expected.details?["cause"].map { $0.stringValue ?? $0.serialized }
                try driver.send(
                    .taskFailed(task!, error: expected.details?["error"]?.stringValue, cause: cause, at: driver.now))
            default:
                guard let due = driver.timers.values.map(\.fireAt).min() else { break replay }
                try driver.advance(max(0, due.timeIntervalSince(driver.now)))
            }
        }
        var actual = driver.history.map { event -> (type: String, details: JSON?) in
            let json = event.json
            let details = event.type.detailsKey.flatMap { json[$0] }
            return (event.type.rawValue, details)
        }
        var expected = fixture.events
        if fixture.parallelEventsNormalized {
            actual.removeAll { $0.type == "ParallelStateSucceeded" }
            actual = Self.sortingBranchEvents(actual)
            expected = Self.sortingBranchEvents(expected)
        }
        #expect(actual.map(\.type) == expected.map(\.type), "event types differ from \(fixture.source)")
        for (index, (expected, got)) in zip(expected, actual).enumerated() where expected.type == got.type {
            let mismatch = Self.mismatch(
                expected: Self.normalized(expected.details, type: expected.type),
                actual: Self.normalized(got.details, type: got.type),
                at: "event \(index + 1) \(expected.type)")
            #expect(mismatch == nil, "\(mismatch ?? "")")
        }
    }

    /// The events between ParallelStateStarted and the Parallel state's exit in one canonical order (by type, then
    /// the state name), as the branches' interleaving is not deterministic on AWS.
    static func sortingBranchEvents(_ events: [(type: String, details: JSON?)]) -> [(type: String, details: JSON?)] {
        var result: [(type: String, details: JSON?)] = []
        var branch: [(type: String, details: JSON?)] = []
        var inBranches = false
        for event in events {
            if event.type == "ParallelStateStarted" {
                result.append(event)
                inBranches = true
            } else if inBranches, ["ParallelStateExited", "ParallelStateFailed"].contains(event.type) {
                func key(_ event: (type: String, details: JSON?)) -> String {
                    event.type + " " + (event.details?["name"]?.stringValue ?? "")
                }
                result += branch.sorted { key($0) < key($1) }
                branch = []
                result.append(event)
                inBranches = false
            } else if inBranches {
                branch.append(event)
            } else {
                result.append(event)
            }
        }
        return result + branch
    }

    /// A recorded value: JSON text (AWS's data fields) parsed, anything else as is.
    static func value(_ json: JSON?) -> JSON? {
        guard case .string(let text)? = json, let parsed = try? JSON(parsing: text) else { return json }
        return parsed
    }

    /// The members compared: JSON-text fields parsed (input, output, parameters, cause, each assigned variable);
    /// ExecutionStarted's roleArn, which only says which role the recording used, left out.
    static func normalized(_ details: JSON?, type: String) -> JSON? {
        guard case .object(let object)? = details else { return details }
        var result = JSONObject()
        for (key, member) in object {
            if type == "ExecutionStarted", key == "roleArn" { continue }
            switch key {
            case "input", "output", "parameters", "cause": result[key] = value(member)
            case "assignedVariables":
                var assigned = JSONObject()
                for (name, text) in member.objectValue ?? JSONObject() { assigned[name] = value(text) }
                result[key] = .object(assigned)
            default: result[key] = member
            }
        }
        return .object(result)
    }

    /// Whether a recorded string was masked by the recording (ARNs, ids, dates): it matches any string.
    static func isMasked(_ text: String) -> Bool {
        text == "date" || text == "snf_role_arn"
            || text.range(of: #"<[A-Za-z0-9_:.-]+>"#, options: .regularExpression) != nil
    }

    /// The first difference between a recorded value and Baton's, as a message; `nil` when they match.
    static func mismatch(expected: JSON?, actual: JSON?, at location: String) -> String? {
        switch (expected, actual) {
        case (nil, nil): return nil
        case (.string(let text)?, .string?) where isMasked(text): return nil
        case (.object(let want)?, .object(let got)?):
            let wantKeys = Set(want.map(\.key))
            let gotKeys = Set(got.map(\.key))
            if wantKeys != gotKeys {
                return "\(location): members \(wantKeys.sorted()) recorded, \(gotKeys.sorted()) produced"
            }
            for (key, member) in want {
                if let found = mismatch(expected: member, actual: got[key], at: "\(location).\(key)") { return found }
            }
            return nil
        case (.array(let want)?, .array(let got)?):
            guard want.count == got.count else {
                return "\(location): \(want.count) elements recorded, \(got.count) produced"
            }
            for (index, (a, b)) in zip(want, got).enumerated() {
                if let found = mismatch(expected: a, actual: b, at: "\(location)[\(index)]") { return found }
            }
            return nil
        case (let want?, let got?) where want.isNumber && got.isNumber:
            return want.doubleValue == got.doubleValue
                ? nil : "\(location): \(want.serialized) recorded, \(got.serialized) produced"
        default:
            return expected == actual
                ? nil
                : "\(location): \(expected?.serialized ?? "nothing") recorded, \(actual?.serialized ?? "nothing") produced"
        }
    }
}
