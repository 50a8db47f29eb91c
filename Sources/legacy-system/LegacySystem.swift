import ArgumentParser

/// The `legacy-system` executable. A slow external system that runs long jobs, sends heartbeats and reports completion.
@main
struct LegacySystem: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "legacy-system",
        abstract: "A slow external system that runs long jobs, sends heartbeats and reports completion.",
        discussion: "Not implemented yet: this binary only answers --help until its issue lands."
    )

    func run() async throws {
        throw ValidationError("legacy-system is not implemented yet; see the project's issues")
    }
}
