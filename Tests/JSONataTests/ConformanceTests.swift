import BatonJSON
import Foundation
import JSONata
import Testing

/// The jsonata-js test suite (test/test-suite), re-expressed as fixtures by scripts/jsonata-fixtures.py.
@Suite struct ConformanceTests {
    /// The pass rate this implementation reached (docs/states-language.md); the suite fails below it.
    static let minimumPassRate = 1.0

    struct Outcome {
        var passed = 0
        var total = 0
        var failures: [String] = []
    }

    static func fixturesDirectory() throws -> URL {
        try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
    }

    static func run(_ testCase: JSON, datasets: URL) -> String? {
        guard case .string(let expr)? = testCase["expr"] else { return "no expression" }
        var input: JSON?
        if let data = testCase["data"] {
            input = data
        } else if case .string(let name)? = testCase["dataset"] {
            let url = datasets.appendingPathComponent(name + ".json")
            guard let bytes = try? Data(contentsOf: url), let parsed = try? JSON(parsing: Array(bytes)) else {
                return "dataset \(name) missing"
            }
            input = parsed
        }
        var bindings: [String: JSON] = [:]
        for (key, value) in testCase["bindings"]?.objectValue ?? JSONObject() { bindings[key] = value }
        var limits = JSONataLimits(timeLimit: .seconds(30))
        if case .integer(let depth)? = testCase["depth"] { limits.maximumDepth = Int(depth) }
        if case .integer(let milliseconds)? = testCase["timelimit"] { limits.timeLimit = .milliseconds(milliseconds) }
        let expectedCode = testCase["code"]?.stringValue ?? testCase["error"]?["code"]?.stringValue
        let expectedToken = testCase["token"]?.stringValue ?? testCase["error"]?["token"]?.stringValue
        do {
            let expression = try JSONataExpression(expr)
            let result = try expression.evaluate(input, bindings: bindings, limits: limits)
            if let expectedCode { return "expected error \(expectedCode), got \(result?.serialized ?? "undefined")" }
            if testCase["undefinedResult"] != nil {
                return result == nil ? nil : "expected undefined, got \(result!.serialized)"
            }
            let expected = testCase["result"]
            if result == expected { return nil }
            return "expected \(expected?.serialized ?? "undefined"), got \(result?.serialized ?? "undefined")"
        } catch {
            if let expectedCode, error.code == expectedCode {
                if let expectedToken, error.token != expectedToken {
                    return "error \(error.code) with token \(error.token ?? "none"), expected \(expectedToken)"
                }
                return nil
            }
            return "unexpected error \(error)"
        }
    }

    @Test func theReferenceSuitePassesAtTheRecordedRate() throws {
        let fixtures = try Self.fixturesDirectory()
        let groupsURL = fixtures.appendingPathComponent("groups")
        let datasets = fixtures.appendingPathComponent("datasets")
        let files = try FileManager.default.contentsOfDirectory(atPath: groupsURL.path).filter { $0.hasSuffix(".json") }
            .sorted()
        #expect(files.count == 102)
        var total = Outcome()
        var report: [String] = []
        for file in files {
            let bytes = try Data(contentsOf: groupsURL.appendingPathComponent(file))
            let cases = try #require(try JSON(parsing: Array(bytes)).arrayValue)
            var outcome = Outcome()
            for testCase in cases {
                outcome.total += 1
                if let failure = Self.run(testCase, datasets: datasets) {
                    let name = testCase["name"]?.stringValue ?? "?"
                    outcome.failures.append("\(name): \(testCase["expr"]?.stringValue ?? "") — \(failure)")
                } else {
                    outcome.passed += 1
                }
            }
            total.passed += outcome.passed
            total.total += outcome.total
            let group = String(file.dropLast(5))
            report.append("\(group): \(outcome.passed)/\(outcome.total)")
            if ProcessInfo.processInfo.environment["JSONATA_FAILURES"] != nil {
                for failure in outcome.failures { report.append("  FAIL \(group)/\(failure)") }
            }
        }
        let rate = Double(total.passed) / Double(total.total)
        report.append("total: \(total.passed)/\(total.total) = \(String(format: "%.1f", rate * 100)) %")
        print(report.joined(separator: "\n"))
        #expect(rate >= Self.minimumPassRate, "pass rate \(rate) fell below \(Self.minimumPassRate)")
    }
}
