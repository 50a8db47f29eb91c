import ArgumentParser
import Foundation

/// `baton send-task-success`: answers a task token with an output.
struct SendTaskSuccessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send-task-success", abstract: "Report that the task identified by a token succeeded.")

    @OptionGroup var options: ClientOptions

    @Option(help: "The task token.")
    var taskToken: String

    @Option(
        name: [.customLong("task-output"), .customLong("output")],
        help: "The task's output as JSON text, or file://path.")
    var taskOutput: String = "{}"

    func run() async throws {
        let output = try ArgumentText.json(taskOutput, option: "--task-output")
        try await TaskCallback.send(
            "SendTaskSuccess", ["taskToken": try ArgumentText.resolve(taskToken), "output": output], options: options)
    }
}

/// `baton send-task-failure`: answers a task token with an error.
struct SendTaskFailureCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send-task-failure", abstract: "Report that the task identified by a token failed.")

    @OptionGroup var options: ClientOptions

    @Option(help: "The task token.")
    var taskToken: String

    @Option(help: "The error name (matched by Retry and Catch).")
    var error: String?

    @Option(help: "A human-readable cause.")
    var cause: String?

    func run() async throws {
        var request: [String: Any] = ["taskToken": try ArgumentText.resolve(taskToken)]
        if let error { request["error"] = error }
        if let cause { request["cause"] = cause }
        try await TaskCallback.send("SendTaskFailure", request, options: options)
    }
}

/// `baton send-task-heartbeat`: tells the orchestrator the task is still being worked on.
struct SendTaskHeartbeatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send-task-heartbeat", abstract: "Reset the heartbeat clock of the task identified by a token.")

    @OptionGroup var options: ClientOptions

    @Option(help: "The task token.")
    var taskToken: String

    func run() async throws {
        try await TaskCallback.send(
            "SendTaskHeartbeat", ["taskToken": try ArgumentText.resolve(taskToken)], options: options)
    }
}

/// Sends a callback action through the command queue: a rejected token (`TaskTimedOut`, `InvalidToken`,
/// `InvalidOutput`) comes back as a `RemoteError`, which the CLI prints with its type and exits 1.
enum TaskCallback {
    static func send(_ action: String, _ request: [String: Any], options: ClientOptions) async throws {
        let response = try await options.command(action, request)
        if options.json { return try JSONText.print(response) }
        print("\(action): accepted")
    }
}
