import BatonJSON
import Foundation
import Testing

@testable import StatesLanguage

/// Loads the data-plane fixtures: JSON arrays of cases under `Fixtures/paths` and `Fixtures/intrinsics`.
enum DataPlaneFixture {
    static func cases(_ name: String, in directory: String) throws -> [JSONObject] {
        let url = try #require(
            Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures/\(directory)"),
            "missing fixture Fixtures/\(directory)/\(name).json"
        )
        let cases = try #require(try JSON(parsing: Data(contentsOf: url)).arrayValue)
        return try cases.map { try #require($0.objectValue) }
    }

    /// A path field from a fixture case: missing member → absent, null → null, string → path.
    static func pathField(_ value: JSON?) throws -> PathField {
        guard let value else { return .absent }
        guard let text = value.stringValue else { return .null }
        return .path(try JSONPath(text))
    }
}

@Suite struct JSONPathTests {
    @Test func fixtureCasesEvaluateAsJaywayAndAWSDo() throws {
        let cases = try DataPlaneFixture.cases("evaluate", in: "paths")
        #expect(cases.count > 50)
        for testCase in cases {
            let name = testCase["name"]?.stringValue ?? "?"
            let text = try #require(testCase["path"]?.stringValue)
            if testCase["syntaxError"] != nil {
                #expect(throws: JSONPathSyntaxError.self, "\(name)") { try JSONPath(text) }
                continue
            }
            let path = try JSONPath(text)
            if let reference = testCase["reference"]?.boolValue {
                #expect(path.isReferencePath == reference, "\(name)")
            }
            let result = path.evaluate(testCase["input"] ?? .null, context: testCase["context"] ?? .null)
            if testCase["noMatch"] != nil {
                #expect(result == nil, "\(name)")
            } else {
                #expect(result == testCase["expected"], "\(name)")
            }
        }
    }

    @Test func normalizedFormMatchesJaywayErrorMessages() throws {
        #expect(try JSONPath("$.a.b[0]").normalized == "$['a']['b'][0]")
        #expect(try JSONPath("$$.Execution.Id").normalized == "$$['Execution']['Id']")
        #expect(try JSONPath("$[\"x'y\"]").normalized == "$['x\\'y']")
    }

    @Test func referencePathsAllowOnlyNamesAndIndexes() throws {
        for reference in ["$", "$.a", "$['a b'].c[0]", "$.a[-1]", "$$.Map.Item.Value"] {
            #expect(try JSONPath(reference).isReferencePath, "\(reference)")
        }
        for indefinite in ["$.a[*]", "$..a", "$.a[0:1]", "$.a[?(@.b)]", "$['a','b']", "$.a[0,1]", "$.*"] {
            #expect(try !JSONPath(indefinite).isReferencePath, "\(indefinite)")
        }
    }

    @Test func validationNamesThePointerAndTheRule() {
        let pointer = "/States/Work/ResultPath"
        #expect(JSONPath.validate("$.a.b", at: pointer, requireReference: true).isEmpty)
        let wildcard = JSONPath.validate("$.a[*]", at: pointer, requireReference: true)
        #expect(wildcard.count == 1)
        #expect(wildcard.first?.pointer == pointer)
        #expect(wildcard.first?.message.contains("reference path") == true)
        #expect(JSONPath.validate("$.a[*]", at: pointer, requireReference: false).isEmpty)
        #expect(JSONPath.validate("$$.Execution", at: pointer, requireReference: true, allowContext: false).count == 1)
        let syntax = JSONPath.validate("a.b", at: pointer, requireReference: false)
        #expect(syntax.first?.message.contains("not a valid JSONPath") == true)
    }

    @Test func deeplyNestedFiltersAreRejectedNotRecursedInto() {
        let deep = "$[?(" + String(repeating: "(", count: 10_000) + "@.a" + String(repeating: ")", count: 10_000) + ")]"
        #expect(throws: JSONPathSyntaxError.self) { try JSONPath(deep) }
        let negations = "$[?(" + String(repeating: "!", count: 10_000) + "@.a)]"
        #expect(throws: JSONPathSyntaxError.self) { try JSONPath(negations) }
    }

    @Test func syntaxErrorsNameTheOffset() {
        #expect(throws: JSONPathSyntaxError(reason: "expected ']'", offset: 4)) { try JSONPath("$[0 x") }
    }
}
