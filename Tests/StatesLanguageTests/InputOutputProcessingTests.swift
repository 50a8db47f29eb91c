import BatonJSON
import Foundation
import Testing

@testable import StatesLanguage

@Suite struct InputOutputProcessingTests {
    /// Runs one fixture case through AWS's pipeline: InputPath → Parameters → result (or the effective input, as a
    /// Pass state without Result) → ResultSelector → ResultPath (against the raw input) → OutputPath.
    static func run(_ testCase: JSONObject) throws -> JSON {
        let input = testCase["input"] ?? .null
        let context = testCase["context"] ?? .null
        var random = SeededRandom(seed: 0)
        let selected = try InputOutputProcessing.applyInputPath(
            try DataPlaneFixture.pathField(testCase["inputPath"]), to: input, context: context)
        let parameters = try testCase["parameters"].map { try PayloadTemplate($0) }
        let effective = try InputOutputProcessing.applyParameters(
            parameters, to: selected, context: context, random: &random)
        let resultSelector = try testCase["resultSelector"].map { try PayloadTemplate($0) }
        let result = try InputOutputProcessing.applyResultSelector(
            resultSelector, to: testCase["result"] ?? effective, context: context, random: &random)
        let combined = try InputOutputProcessing.applyResultPath(
            try DataPlaneFixture.pathField(testCase["resultPath"]), result: result, input: input)
        return try InputOutputProcessing.applyOutputPath(
            try DataPlaneFixture.pathField(testCase["outputPath"]), to: combined, context: context)
    }

    @Test func fixtureCasesFollowAWSInputAndOutputProcessing() throws {
        let cases = try DataPlaneFixture.cases("input-output", in: "paths")
        #expect(cases.count > 20)
        for testCase in cases {
            let name = testCase["name"]?.stringValue ?? "?"
            if let error = testCase["error"] {
                let expectedName = try #require(error["name"]?.stringValue)
                let expectedCause = try #require(error["cause"]?.stringValue)
                #expect("\(name)") {
                    try Self.run(testCase)
                } throws: { thrown in
                    guard let thrown = thrown as? StatesError else { return false }
                    return thrown.error == expectedName && thrown.cause.contains(expectedCause)
                }
            } else {
                #expect(try Self.run(testCase) == testCase["expected"], "\(name)")
            }
        }
    }

    @Test func pathFieldsKeepAbsentNullAndPathApart() throws {
        #expect(try PathField.parse(nil, at: "/p", requireReference: true).get() == .absent)
        #expect(try PathField.parse(.null, at: "/p", requireReference: true).get() == .null)
        #expect(try PathField.parse("$.a", at: "/p", requireReference: true).get() == .path(JSONPath("$.a")))
        #expect(throws: PathField.InvalidPathField.self) {
            try PathField.parse("$.a[*]", at: "/States/S/ResultPath", requireReference: true).get()
        }
        #expect(throws: PathField.InvalidPathField.self) {
            try PathField.parse(3, at: "/p", requireReference: false).get()
        }
        #expect(throws: PathField.InvalidPathField.self) {
            try PathField.parse("$$.Execution", at: "/p", requireReference: true, allowContext: false).get()
        }
    }

    @Test func resultPathKeepsMemberOrderAndAppendsNewMembers() throws {
        let output = try InputOutputProcessing.applyResultPath(
            .path(JSONPath("$.b")), result: 9, input: ["c": 1, "b": 2, "a": 3])
        #expect(output.objectValue?.keys == ["c", "b", "a"])
        let appended = try InputOutputProcessing.applyResultPath(.path(JSONPath("$.d")), result: 9, input: ["c": 1])
        #expect(appended.objectValue?.keys == ["c", "d"])
    }

    @Test func payloadsOver256KiBExceedTheDataLimit() throws {
        let limit = maximumPayloadBytes
        let fits = JSON.string(String(repeating: "x", count: limit - 2))
        try InputOutputProcessing.checkPayloadSize(fits, "The state/task 'Work' returned a result")
        let over = JSON.string(String(repeating: "x", count: limit - 1))
        #expect {
            try InputOutputProcessing.checkPayloadSize(over, "The state/task 'Work' returned a result")
        } throws: { error in
            guard let error = error as? StatesError else { return false }
            return error.error == StatesError.Name.dataLimitExceeded
                && error.cause.hasPrefix(
                    "The state/task 'Work' returned a result with a size exceeding the maximum number of bytes service limit"
                )
        }
    }

    @Test func contextObjectHasAWSShapeAndTimestamps() throws {
        let start = Date(timeIntervalSince1970: 1_553_631_253.192)
        var context = ContextObject(
            execution: .init(
                id: "arn:aws:states:us-east-1:123456789012:execution:sm:run", input: ["k": "v"], name: "run",
                startTime: start, roleArn: "arn:aws:iam::123456789012:role/r"),
            stateMachine: .init(id: "arn:aws:states:us-east-1:123456789012:stateMachine:sm", name: "sm"),
            state: .init(name: "Work", enteredTime: start, retryCount: 2),
            taskToken: "token-1"
        )
        var json = context.json
        #expect(json["Execution"]?["StartTime"] == "2019-03-26T20:14:13.192Z")
        #expect(json["Execution"]?["Input"] == ["k": "v"])
        #expect(json["State"] == ["EnteredTime": "2019-03-26T20:14:13.192Z", "Name": "Work", "RetryCount": 2])
        #expect(json["StateMachine"]?["Name"] == "sm")
        #expect(json["Task"]?["Token"] == "token-1")
        #expect(json["Map"] == nil as JSON?)
        context.taskToken = nil
        context.mapItem = .init(index: 3, value: ["x": 1])
        json = context.json
        #expect(json["Task"] == nil as JSON?)
        #expect(json["Map"] == ["Item": ["Index": 3, "Value": ["x": 1]]])
        #expect(try JSONPath("$$.Map.Item.Index").evaluate(.null, context: json) == 3)
    }

    @Test func timestampsAreUTCWithTruncatedMilliseconds() {
        #expect(ContextObject.timestamp(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(ContextObject.timestamp(Date(timeIntervalSince1970: -0.001)) == "1969-12-31T23:59:59.999Z")
        #expect(ContextObject.timestamp(Date(timeIntervalSince1970: 1_709_164_800.005)) == "2024-02-29T00:00:00.005Z")
        #expect(ContextObject.timestamp(Date(timeIntervalSince1970: 1_553_631_253.1929)) == "2019-03-26T20:14:13.192Z")
    }
}
