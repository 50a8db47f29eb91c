import ArgumentParser

/// The `worker-function` executable. A Lambda-like worker that serves named functions from RabbitMQ queues and calls back.
@main
struct WorkerFunction: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker-function",
        abstract: "A Lambda-like worker that serves named functions from RabbitMQ queues and calls back.",
        discussion: "Not implemented yet: this binary only answers --help until its issue lands."
    )

    func run() async throws {
        throw ValidationError("worker-function is not implemented yet; see the project's issues")
    }
}
