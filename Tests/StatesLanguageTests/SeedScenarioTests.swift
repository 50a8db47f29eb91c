import BatonJSON
import Foundation
import Testing

@testable import StatesLanguage

/// Runs the scenario fixtures in `Fixtures/scenarios` (format in its README.md): the two seed patterns — a
/// callback task with TimeoutSeconds that succeeds or ends in a Fail state, and a callback followed by a Choice on
/// `$.status == "success"` — plus their stop variant.
@Suite struct SeedScenarioTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/scenarios")

    static var names: [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".json") }.sorted()
    }

    @Test func everySeedPatternHasAScenario() {
        #expect(Self.names.count >= 5)
    }

    @Test(arguments: SeedScenarioTests.names)
    func scenarioReachesItsExpectedEnd(_ name: String) throws {
        let text = try String(contentsOf: Self.directory.appendingPathComponent(name), encoding: .utf8)
        let scenario = try JSON(parsing: text)
        let definition = try StateMachineDefinition.parse(json: try #require(scenario["definition"]))
        var driver = InterpreterDriver(definition: definition)
        try driver.start(scenario["input"] ?? [:])
        for step in scenario["steps"]?.arrayValue ?? [] {
            if let rejected = step["expectRejected"] {
                let event = try Self.event(rejected, driver: driver)
                #expect(throws: InterpreterRejection.self, "\(name): \(rejected.serialized) must be rejected") {
                    try driver.send(event)
                }
            } else if let seconds = step["advance"]?.doubleValue {
                try driver.advance(seconds)
            } else {
                try driver.send(try Self.event(step, driver: driver))
            }
        }
        let expect = try #require(scenario["expect"])
        #expect(driver.types == expect["history"]?.arrayValue?.compactMap(\.stringValue), "\(name)")
        let outcome = try #require(driver.outcome, "\(name) must finish")
        #expect(outcome.status.rawValue == expect["status"]?.stringValue, "\(name)")
        switch outcome {
        case .succeeded(let output): #expect(output == expect["output"], "\(name)")
        case .failed(let error, let cause), .aborted(let error, let cause), .timedOut(let error, let cause):
            #expect(error == expect["error"]?.stringValue, "\(name)")
            #expect(cause == expect["cause"]?.stringValue, "\(name)")
        }
        #expect(driver.openTasks.isEmpty && driver.timers.isEmpty, "\(name): nothing left open")
    }

    /// Builds the event a step describes; task numbers index the tasks scheduled so far.
    static func event(_ step: JSON, driver: InterpreterDriver) throws -> ExecutionEvent {
        func task(_ key: String) throws -> TaskID? {
            guard let index = step[key]?.doubleValue.map({ Int($0) }) else { return nil }
            return try #require(driver.scheduled.indices.contains(index) ? driver.scheduled[index].taskId : nil)
        }
        let now = driver.now
        if let id = try task("taskSucceeded") { return .taskSucceeded(id, output: step["output"] ?? [:], at: now) }
        if let id = try task("taskFailed") {
            return .taskFailed(
                id, error: step["error"]?.stringValue ?? "", cause: step["cause"]?.stringValue ?? "", at: now)
        }
        if let id = try task("taskTimedOut") { return .taskTimedOut(id, at: now) }
        if let id = try task("heartbeatTimedOut") { return .heartbeatTimedOut(id, at: now) }
        if let id = try task("taskStarted") { return .taskStarted(id, at: now) }
        if let id = try task("taskSubmitted") { return .taskSubmitted(id, output: step["output"] ?? [:], at: now) }
        if step["stop"] != nil {
            return .stopRequested(error: step["error"]?.stringValue, cause: step["cause"]?.stringValue, at: now)
        }
        throw ScenarioError(message: "unknown step \(step.serialized)")
    }

    struct ScenarioError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}
