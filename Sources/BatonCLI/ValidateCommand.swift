import ArgumentParser
import Foundation

/// `baton validate FILE`: ValidateStateMachineDefinition on the orchestrator (the AWS CLI's
/// `validate-state-machine-definition`), so the verdict is CreateStateMachine's own, resource check included.
/// Prints every diagnostic, warnings too; exits 0 when the definition is valid (warnings or not), 1 when not.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Validate a state machine definition: errors, and warnings such as callback tasks without a timeout.",
        discussion: """
            Sends the definition to the orchestrator (ValidateStateMachineDefinition) and prints one line per \
            diagnostic: severity, code, location and message. Exits 0 when the result is OK (warnings do not \
            count), 1 when it is FAIL or the orchestrator cannot be asked.
            """)

    @OptionGroup var options: ClientOptions

    @Argument(help: "The definition file (a path, or file://path).")
    var file: String

    @Option(help: "The type the state machine would have: STANDARD or EXPRESS (callback tasks warn in EXPRESS).")
    var type = "STANDARD"

    @Option(help: "The least severe diagnostics to print: WARNING (the default; AWS's is ERROR) or ERROR.")
    var severity = "WARNING"

    @Option(help: "At most this many diagnostics (1...100).")
    var maxResults = 100

    func run() async throws {
        let path = file.hasPrefix("file://") ? file : "file://" + file
        let text = try ArgumentText.resolve(path)
        let response = try await options.command(
            "ValidateStateMachineDefinition",
            ["definition": text, "type": type, "severity": severity, "maxResults": maxResults])
        let result = response["result"] as? String ?? "-"
        if options.json {
            try JSONText.print(response)
        } else {
            Self.printSummary(response, result: result)
        }
        guard result == "OK" else { throw ExitCode.failure }
    }

    private static func printSummary(_ response: [String: Any], result: String) {
        let diagnostics = response["diagnostics"] as? [[String: Any]] ?? []
        if !diagnostics.isEmpty {
            Human.table(
                ["SEVERITY", "CODE", "LOCATION", "MESSAGE"],
                diagnostics.map { diagnostic in
                    ["severity", "code", "location", "message"].map { diagnostic[$0] as? String ?? "-" }
                })
        }
        let count = { (severity: String) in diagnostics.count { $0["severity"] as? String == severity } }
        var summary = "\(result): \(count("ERROR")) error(s), \(count("WARNING")) warning(s)"
        if response["truncated"] as? Bool == true { summary += " (truncated: more than \(diagnostics.count))" }
        print(summary)
    }
}
