import ArgumentParser
import Foundation

/// `baton test-state`: AWS's TestState on the orchestrator (the AWS CLI's `test-state`) over the command queue.
/// One state — a single state's JSON, or a whole definition with `--state-name` — runs once on an input in the
/// orchestrator's interpreter, with a mocked result or error for Task, Parallel and Map states.
struct TestStateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test-state",
        abstract: "Run one state on an input (TestState): output, next state, status and each data step.",
        discussion: """
            Prints the status (SUCCEEDED, FAILED, RETRIABLE or CAUGHT_ERROR), the next state, the error and \
            cause, the output, and at DEBUG or TRACE the data after each processing step. Task states need a \
            mock (--mock-result, --mock-error, or --mock in AWS's shape): Baton runs tasks on workers, never \
            inside TestState. Exits 0 when the state was tested, 1 when its status is FAILED or the request \
            was refused.
            """)

    @OptionGroup var options: ClientOptions

    @Option(help: "The state's JSON, or a whole state machine's with --state-name: JSON text, a path, or file://path.")
    var definition: String

    @Option(help: "The state's input as JSON text, or file://path.")
    var input = "{}"

    @Option(help: "The state to test in a whole state machine definition.")
    var stateName: String?

    @Option(help: "INFO (the default), DEBUG (each data step) or TRACE.")
    var inspectionLevel = "INFO"

    @Option(help: "The mocked result of a Task, Parallel or Map state, as JSON text or file://path.")
    var mockResult: String?

    @Option(help: "The mocked error name of a Task, Parallel or Map state.")
    var mockError: String?

    @Option(help: "The mocked error's cause (with --mock-error).")
    var mockCause: String?

    @Option(
        help: #"The mock in AWS's shape, e.g. '{"result": "{\"ok\": true}"}' or '{"errorOutput": {"error": "E"}}'."#)
    var mock: String?

    @Option(help: "Variables the state sees, as a JSON object.")
    var variables: String?

    @Option(help: "The context object the state sees instead of TestState's own (with a mock), as JSON.")
    var context: String?

    @Option(help: "Retries the matching retrier already made (stateConfiguration.retrierRetryCount).")
    var retrierRetryCount: Int?

    @Option(help: "The role ARN (AWS requires one for a Task state without a mock).")
    var roleArn: String?

    func run() async throws {
        var request: [String: Any] = [
            "definition": try Self.definitionText(definition),
            "input": try ArgumentText.json(input, option: "--input"),
            "inspectionLevel": inspectionLevel.uppercased(),
        ]
        if let stateName { request["stateName"] = stateName }
        if let mock = try mockRequest() { request["mock"] = mock }
        if let variables { request["variables"] = try ArgumentText.json(variables, option: "--variables") }
        if let context { request["context"] = try ArgumentText.json(context, option: "--context") }
        if let retrierRetryCount { request["stateConfiguration"] = ["retrierRetryCount": retrierRetryCount] }
        if let roleArn { request["roleArn"] = roleArn }
        let response = try await options.command("TestState", request)
        if options.json {
            try JSONText.print(response)
        } else {
            Self.show(response)
        }
        if response["status"] as? String == "FAILED" { throw ExitCode.failure }
    }

    /// The definition from JSON text, a file path or file://path.
    static func definitionText(_ value: String) throws -> String {
        if value.hasPrefix("file://") { return try ArgumentText.resolve(value) }
        let trimmed = value.drop { $0.isWhitespace }
        if trimmed.hasPrefix("{") { return value }
        return try ArgumentText.resolve("file://" + value)
    }

    /// The `mock` member: AWS's shape as given, or built from --mock-result / --mock-error.
    func mockRequest() throws -> Any? {
        let given = [mock != nil, mockResult != nil, mockError != nil].filter { $0 }.count
        guard given <= 1 else { throw CLIError("give only one of --mock, --mock-result and --mock-error") }
        if mockCause != nil, mockError == nil { throw CLIError("--mock-cause needs --mock-error") }
        if let mock {
            return try JSONSerialization.jsonObject(with: Data(try ArgumentText.json(mock, option: "--mock").utf8))
        }
        if let mockResult { return ["result": try ArgumentText.json(mockResult, option: "--mock-result")] }
        if let mockError {
            var errorOutput = ["error": mockError]
            if let mockCause { errorOutput["cause"] = mockCause }
            return ["errorOutput": errorOutput]
        }
        return nil
    }

    /// Status, next state, error, output, then each inspection step on its own line.
    static func show(_ response: [String: Any]) {
        Human.fields([
            ("status", response["status"] as? String ?? "-"),
            ("nextState", response["nextState"] as? String ?? ""),
            ("error", response["error"] as? String ?? ""),
            ("cause", response["cause"] as? String ?? ""),
            ("output", response["output"] as? String ?? ""),
        ])
        guard let data = response["inspectionData"] as? [String: Any], !data.isEmpty else { return }
        print("inspectionData:")
        let order = [
            "input", "afterInputPath", "afterParameters", "afterArguments", "afterItemsPath", "result",
            "afterResultSelector", "afterResultPath", "variables", "errorDetails", "maxConcurrency",
            "toleratedFailureCount", "toleratedFailurePercentage",
        ]
        let keys = order.filter { data[$0] != nil } + data.keys.filter { !order.contains($0) }.sorted()
        let width = keys.map(\.count).max() ?? 0
        for key in keys {
            let value = data[key]
            let text = (value as? String) ?? (try? JSONText.encode(value ?? NSNull())) ?? "-"
            print("  " + key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + text)
        }
    }
}
