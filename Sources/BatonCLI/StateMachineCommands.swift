import ArgumentParser
import Foundation

/// `baton create-state-machine`: AWS CLI's `create-state-machine` (`--definition file://machine.asl.json`).
struct CreateStateMachineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-state-machine",
        abstract: "Create a state machine from an Amazon States Language definition.")

    @OptionGroup var options: ClientOptions

    @Option(help: "The state machine's name.")
    var name: String

    @Option(help: "The definition as JSON text, or file://path.")
    var definition: String

    @Option(help: "Recorded as given (Baton has no IAM).")
    var roleArn = "arn:aws:iam::123456789012:role/baton"

    @Option(help: "STANDARD or EXPRESS.")
    var type = "STANDARD"

    func run() async throws {
        let text = try ArgumentText.json(definition, option: "--definition")
        let response = try await options.command(
            "CreateStateMachine", ["name": name, "definition": text, "roleArn": roleArn, "type": type])
        if options.json { return try JSONText.print(response) }
        Human.fields([
            ("stateMachineArn", response["stateMachineArn"] as? String ?? "-"),
            ("creationDate", Human.date(response["creationDate"])),
        ])
    }
}

/// `baton list-state-machines`.
struct ListStateMachinesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list-state-machines", abstract: "List the registered state machines.")

    @OptionGroup var options: ClientOptions

    @Option(help: "At most this many (1...1000).")
    var maxResults: Int = 1000

    func run() async throws {
        let response = try await options.command("ListStateMachines", ["maxResults": maxResults])
        if options.json { return try JSONText.print(response) }
        let machines = response["stateMachines"] as? [[String: Any]] ?? []
        Human.table(
            ["NAME", "CREATED", "STATE MACHINE ARN"],
            machines.map {
                [$0["name"] as? String ?? "-", Human.date($0["creationDate"]), $0["stateMachineArn"] as? String ?? "-"]
            })
    }
}

/// Lets `--state-machine-arn` take a bare name, as a convenience the AWS CLI does not have.
enum StateMachineLookup {
    static func arn(_ value: String, options: ClientOptions) async throws -> String {
        if value.hasPrefix("arn:") { return value }
        let response = try await options.command("ListStateMachines", ["maxResults": 1000])
        let machines = response["stateMachines"] as? [[String: Any]] ?? []
        guard let match = machines.first(where: { $0["name"] as? String == value }),
            let arn = match["stateMachineArn"] as? String
        else {
            let known = machines.compactMap { $0["name"] as? String }.sorted().joined(separator: ", ")
            throw CLIError("no state machine named '\(value)' (known: \(known.isEmpty ? "none" : known))")
        }
        return arn
    }
}
