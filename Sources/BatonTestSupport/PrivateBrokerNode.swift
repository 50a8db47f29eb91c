import Foundation

/// An extra RabbitMQ node of the test's own (scripts/rabbitmq-node.sh with its own name and ports), for tests
/// that stop, restart or throttle a broker without disturbing the shared one.
public struct PrivateBrokerNode: Sendable {
    /// The node name, e.g. `amqptest1@localhost`.
    public let name: String
    /// The AMQP port.
    public let port: Int
    private let script: String
    private let environment: [String: String]

    /// Describes a node; nothing is started yet.
    /// - Parameters:
    ///   - name: short node name (unique per test).
    ///   - port: AMQP port; the distribution port is `port + 20000` and epmd `port - 1000`.
    ///   - filePath: leave the default; it locates the repository root.
    public init(name: String, port: Int, filePath: String = #filePath) {
        self.name = "\(name)@localhost"
        self.port = port
        var root = URL(fileURLWithPath: filePath)
        while root.path != "/" && !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) {
            root.deleteLastPathComponent()
        }
        script = root.appendingPathComponent("scripts/rabbitmq-node.sh").path
        var environment = ProcessInfo.processInfo.environment
        environment["BATON_RMQ_NODE"] = self.name
        environment["BATON_RMQ_PORT"] = "\(port)"
        environment["BATON_RMQ_DIST_PORT"] = "\(port + 20000)"
        environment["BATON_RMQ_EPMD_PORT"] = "\(port - 1000)"
        self.environment = environment
    }

    /// The node's AMQP URL.
    public var url: String { "amqp://guest:guest@127.0.0.1:\(port)/%2f" }

    /// Starts the node and waits until it accepts connections.
    /// - Throws: ``NodeScriptFailed`` if the script fails.
    public func start() throws { try run(["start"]) }

    /// Stops the node.
    /// - Throws: ``NodeScriptFailed`` if the script fails.
    public func stop() throws { try run(["stop"]) }

    /// Runs `rabbitmqctl` against the node.
    /// - Parameter arguments: rabbitmqctl arguments, e.g. `["set_vm_memory_high_watermark", "0.0000001"]`.
    /// - Throws: ``NodeScriptFailed`` if the command fails.
    public func ctl(_ arguments: [String]) throws { try run(["ctl"] + arguments) }

    private func run(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script] + arguments
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NodeScriptFailed(
                command: "rabbitmq-node.sh \(arguments.joined(separator: " "))",
                output: String(decoding: data, as: UTF8.self)
            )
        }
    }
}

/// scripts/rabbitmq-node.sh exited with an error.
public struct NodeScriptFailed: Error, CustomStringConvertible {
    /// The command that failed.
    public var command: String
    /// What it printed.
    public var output: String
    /// The command and its output.
    public var description: String { "\(command) failed:\n\(output)" }
}
