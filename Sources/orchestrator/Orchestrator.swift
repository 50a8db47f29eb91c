import ArgumentParser

/// The `orchestrator` executable. Runs Amazon States Language state machines whose tasks wait for callbacks over RabbitMQ.
@main
struct Orchestrator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orchestrator",
        abstract: "Runs Amazon States Language state machines whose tasks wait for callbacks over RabbitMQ.",
        discussion: "Not implemented yet: this binary only answers --help until its issue lands."
    )

    func run() async throws {
        throw ValidationError("orchestrator is not implemented yet; see the project's issues")
    }
}
