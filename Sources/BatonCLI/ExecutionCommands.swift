import ArgumentParser
import Foundation

/// `baton start-execution`: AWS CLI's `aws stepfunctions start-execution`.
struct StartExecutionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start-execution", abstract: "Start an execution of a state machine.")

    @OptionGroup var options: ClientOptions

    @Option(help: "The state machine's ARN, or just its name.")
    var stateMachineArn: String

    @Option(help: "The execution's name (unique per state machine; default: a UUID).")
    var name: String?

    @Option(help: "The input as JSON text, or file://path.")
    var input: String = "{}"

    @Flag(help: "Wait until the execution ends, print its description, and exit 1 unless it SUCCEEDED.")
    var wait = false

    func run() async throws {
        let arn = try await StateMachineLookup.arn(stateMachineArn, options: options)
        var request: [String: Any] = ["stateMachineArn": arn, "input": try ArgumentText.json(input, option: "--input")]
        if let name { request["name"] = name }
        let response = try await options.command("StartExecution", request)
        guard wait, let execution = response["executionArn"] as? String else {
            if options.json { return try JSONText.print(response) }
            return Human.fields([
                ("executionArn", response["executionArn"] as? String ?? "-"),
                ("startDate", Human.date(response["startDate"])),
            ])
        }
        let end = try await ExecutionWaiter.waitForEnd(execution, options: options)
        try DescribeExecutionCommand.show(end, json: options.json)
        guard end["status"] as? String == "SUCCEEDED" else { throw ExitCode.failure }
    }
}

/// `baton describe-execution`.
struct DescribeExecutionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe-execution", abstract: "Show an execution's status, input, output or error.")

    @OptionGroup var options: ClientOptions

    @Option(help: "The execution's ARN.")
    var executionArn: String

    func run() async throws {
        let response = try await options.command("DescribeExecution", ["executionArn": executionArn])
        try Self.show(response, json: options.json)
    }

    static func show(_ response: [String: Any], json: Bool) throws {
        if json { return try JSONText.print(response) }
        Human.fields([
            ("executionArn", response["executionArn"] as? String ?? "-"),
            ("stateMachineArn", response["stateMachineArn"] as? String ?? "-"),
            ("status", response["status"] as? String ?? "-"),
            ("startDate", Human.date(response["startDate"])),
            ("stopDate", response["stopDate"] == nil ? "" : Human.date(response["stopDate"])),
            ("duration", Human.duration(from: response["startDate"], to: response["stopDate"]) + " (wall clock)"),
            ("input", JSONText.compact(response["input"])),
            ("output", JSONText.compact(response["output"])),
            ("error", JSONText.compact(response["error"])),
            ("cause", JSONText.compact(response["cause"])),
        ])
    }
}

/// `baton stop-execution`.
struct StopExecutionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop-execution", abstract: "Stop a running execution (it ends ABORTED).")

    @OptionGroup var options: ClientOptions

    @Option(help: "The execution's ARN.")
    var executionArn: String

    @Option(help: "An error name to record.")
    var error: String?

    @Option(help: "A cause to record.")
    var cause: String?

    func run() async throws {
        var request: [String: Any] = ["executionArn": executionArn]
        if let error { request["error"] = error }
        if let cause { request["cause"] = cause }
        let response = try await options.command("StopExecution", request)
        if options.json { return try JSONText.print(response) }
        print("stopped \(executionArn) at \(Human.date(response["stopDate"]))")
    }
}

/// Polls DescribeExecution until the execution is no longer RUNNING.
enum ExecutionWaiter {
    static func waitForEnd(_ execution: String, options: ClientOptions) async throws -> [String: Any] {
        while true {
            let response = try await options.command("DescribeExecution", ["executionArn": execution])
            if response["status"] as? String != "RUNNING" { return response }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}
