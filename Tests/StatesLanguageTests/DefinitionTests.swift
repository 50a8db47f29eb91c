import Foundation
import Testing

@testable import StatesLanguage

/// Loads the definition fixtures: `valid-*.asl.json` must parse; each `invalid-*.asl.json` must fail with
/// exactly the issues listed, one `pointer: message` per line, in `invalid-*.expected.txt`.
enum DefinitionFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/definitions")

    static func names(prefix: String) -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasPrefix(prefix) && $0.hasSuffix(".asl.json") }.sorted()
    }

    static func text(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    static func expectedIssues(for name: String) throws -> [String] {
        let expected = name.replacingOccurrences(of: ".asl.json", with: ".expected.txt")
        return try text(expected).split(separator: "\n").map(String.init).filter { !$0.isEmpty }
    }

    static func issues(of text: String, resourceValidator: ((String) -> String?)? = nil) -> [String] {
        do {
            _ = try StateMachineDefinition.parse(text, resourceValidator: resourceValidator)
            return []
        } catch {
            return error.issues.map(\.description)
        }
    }
}

@Suite struct DefinitionTests {
    @Test func fixturesArePresent() {
        #expect(DefinitionFixtures.names(prefix: "valid-").count >= 4)
        #expect(DefinitionFixtures.names(prefix: "invalid-").count >= 20)
    }

    @Test(arguments: DefinitionFixtures.names(prefix: "valid-"))
    func validFixtureParses(_ name: String) throws {
        let issues = DefinitionFixtures.issues(of: try DefinitionFixtures.text(name))
        #expect(issues == [], "\(name)")
    }

    @Test(arguments: DefinitionFixtures.names(prefix: "invalid-"))
    func invalidFixtureReportsExactlyTheExpectedIssues(_ name: String) throws {
        let issues = DefinitionFixtures.issues(of: try DefinitionFixtures.text(name))
        #expect(issues == (try? DefinitionFixtures.expectedIssues(for: name)) ?? ["<missing expected file>"])
    }
}
