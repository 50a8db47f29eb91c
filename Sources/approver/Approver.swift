import ArgumentParser

/// The `approver` executable. Manual approval: keeps approval requests pending until a person or a policy decides.
@main
struct Approver: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approver",
        abstract: "Manual approval: keeps approval requests pending until a person or a policy decides.",
        discussion: "Not implemented yet: this binary only answers --help until its issue lands."
    )

    func run() async throws {
        throw ValidationError("approver is not implemented yet; see the project's issues")
    }
}
