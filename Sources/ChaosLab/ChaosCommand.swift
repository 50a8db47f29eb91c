import ArgumentParser
import BatonRuntime
import Foundation

/// `baton chaos`: the failure-mode lab.
package struct ChaosCommand: AsyncParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "chaos",
        abstract: "Run failure scenarios against the real processes and broker, and check the exactly-once ledger.",
        subcommands: [ChaosListCommand.self, ChaosRunCommand.self]
    )

    /// Creates the command; ArgumentParser fills its options.
    package init() {}
}

/// `baton chaos list`.
struct ChaosListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the scenarios.")

    func run() async throws {
        let width = ChaosCatalog.scenarios.map(\.name.count).max() ?? 0
        for scenario in ChaosCatalog.scenarios {
            print(scenario.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + scenario.summary)
        }
        print("\nWith --compose, against a running `docker compose up` (docker-compose.yml):")
        let composeWidth = ComposeCatalog.scenarios.map(\.name.count).max() ?? 0
        for scenario in ComposeCatalog.scenarios {
            print(scenario.name.padding(toLength: composeWidth, withPad: " ", startingAt: 0) + "  " + scenario.summary)
        }
    }
}

/// `baton chaos run SCENARIO|all`.
struct ChaosRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run scenarios and print the ledger table.",
        discussion: """
            Each scenario gets a fresh queue prefix and data directory, starts the orchestrator and worker-function \
            processes found next to baton, runs its executions, injects its fault, waits for every execution to \
            end and checks: every execution ended exactly once (terminal events and DescribeExecution), no task \
            succeeded twice, every refused callback had the expected code, and every terminal status and error \
            is the one the state machine prescribes. Exit status 2 when a scenario fails.

            With --compose, the scenarios are the compose ones (`baton chaos list`) and run against a deployment \
            that `docker compose up` started from docker-compose.yml: executions go in through its broker (the \
            `baton` user's URL: --amqp-url, $BATON_AMQP_URL, or built from RABBITMQ_CLI_PASSWORD in the \
            environment or in ./.env, on 127.0.0.1:5672), the faults are docker kill/start, restart, pause/unpause \
            and network disconnect/connect of its containers (the docker CLI: --docker, $BATON_DOCKER or `docker` on PATH), \
            and the same ledger check and report follow.
            """
    )

    @Argument(help: "A scenario name (see `baton chaos list`), a comma-separated list, or `all`.")
    var scenario: String

    @Flag(help: "Run the compose scenarios against a running `docker compose up` instead of local processes.")
    var compose = false

    @Option(
        help: ArgumentHelp(
            "The compose project the --compose scenarios fault [env: BATON_COMPOSE_PROJECT] (default: baton)"))
    var composeProject: String?

    @Option(help: ArgumentHelp("The docker CLI --compose runs [env: BATON_DOCKER] (default: docker on PATH)"))
    var docker: String?

    @Option(help: "Executions per scenario (default: each scenario's own).")
    var executions: Int?

    @Option(help: "Refused callbacks of each kind in the callbacks scenario.")
    var callbacks = 10_000

    @Option(help: "Seed of the workers' fault decisions.")
    var seed: UInt64 = 1

    @Option(help: "Write the results as a JSON list to FILE.")
    var json: String?

    @Option(help: "Write a Markdown report with each scenario's timeline to FILE.")
    var report: String?

    @Option(help: "Broker URL (default: $BATON_AMQP_URL).")
    var amqpURL: String?

    @Flag(help: "Keep each scenario's scratch directory (logs, store) even when it passes.")
    var keepFiles = false

    @Option(
        help: ArgumentHelp(
            "AMQP port of the node that broker-restart, memory-alarm and network-partition start for themselves "
                + "(epmd port - 1000, distribution port + 20000) [env: BATON_CHAOS_BROKER_PORT] (default: 5791)"))
    var brokerPort: Int?

    func validate() throws {
        if let executions, executions < 3 { throw ValidationError("--executions must be at least 3") }
        guard callbacks >= 1 else { throw ValidationError("--callbacks must be at least 1") }
        if compose { _ = try composeScenarios() } else { _ = try scenarios() }
    }

    private func composeScenarios() throws -> [any ComposeScenario] {
        try pick(ComposeCatalog.scenarios, kind: "compose scenario", named: ComposeCatalog.named)
    }

    /// The scenarios the argument names: `all` of `catalog`, or each of a comma-separated list.
    private func pick<Scenario>(_ catalog: [Scenario], kind: String, named: (String) -> Scenario?) throws
        -> [Scenario]
    {
        if scenario == "all" { return catalog }
        return try scenario.split(separator: ",").map { name in
            guard let found = named(String(name)) else {
                throw ValidationError("unknown \(kind) '\(name)'; see `baton chaos list`")
            }
            return found
        }
    }

    /// The `baton` user's URL of a compose deployment: --amqp-url, BATON_AMQP_URL, else RABBITMQ_CLI_PASSWORD (from
    /// the environment or ./.env, as `docker compose` reads it) on 127.0.0.1:5672.
    private func composeBrokerURL() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let url = amqpURL ?? environment["BATON_AMQP_URL"] { return url }
        var password = environment["RABBITMQ_CLI_PASSWORD"]
        if password == nil, let dotenv = try? String(contentsOfFile: ".env", encoding: .utf8) {
            password = dotenv.split(whereSeparator: \.isNewline).first { $0.hasPrefix("RABBITMQ_CLI_PASSWORD=") }
                .map { String($0.dropFirst("RABBITMQ_CLI_PASSWORD=".count)) }
        }
        guard let password, !password.isEmpty else {
            throw ValidationError(
                "give --amqp-url, set BATON_AMQP_URL, or run where docker-compose.yml's .env is (RABBITMQ_CLI_PASSWORD)"
            )
        }
        return "amqp://baton:\(password)@127.0.0.1:5672/%2f"
    }

    private func runCompose() async throws -> [ChaosResult] {
        let environment = ProcessInfo.processInfo.environment
        let project = composeProject ?? environment["BATON_COMPOSE_PROJECT"] ?? "baton"
        let runner = ComposeChaosRunner(
            amqpURL: try composeBrokerURL(), project: project, docker: try ComposeDeployment.dockerCLI(docker),
            prefix: environment["BATON_QUEUE_PREFIX"] ?? "baton",
            executions: executions ?? 100)
        return await runEach(try composeScenarios(), what: { "compose \($0.name) on project \(project)" }) {
            await runner.run($0)
        }
    }

    /// Runs each scenario in turn, saying on standard error which (`what`) and its failures.
    private func runEach<Scenario: Sendable>(
        _ scenarios: [Scenario], what: (Scenario) -> String, _ run: (Scenario) async -> ChaosResult
    ) async -> [ChaosResult] {
        var results: [ChaosResult] = []
        for scenario in scenarios {
            FileHandle.standardError.write(Data("chaos: running \(what(scenario))…\n".utf8))
            let result = await run(scenario)
            for failure in result.failures { FileHandle.standardError.write(Data("  \(failure)\n".utf8)) }
            results.append(result)
        }
        return results
    }

    private func scenarios() throws -> [any ChaosScenario] {
        try pick(ChaosCatalog.scenarios, kind: "scenario", named: ChaosCatalog.named)
    }

    func run() async throws {
        let results = compose ? try await runCompose() : try await runLocal()
        print(ChaosResult.table(results))
        try write(results)
        if results.contains(where: { !$0.passed }) { throw ExitCode(2) }
    }

    private func runLocal() async throws -> [ChaosResult] {
        guard let url = amqpURL ?? ProcessInfo.processInfo.environment["BATON_AMQP_URL"] else {
            throw ValidationError("give --amqp-url or set BATON_AMQP_URL (scripts/rabbitmq-node.sh start prints one)")
        }
        let port = try Setting.integer(brokerPort, "BATON_CHAOS_BROKER_PORT") ?? 5791
        guard (1025...45535).contains(port) else { throw ValidationError("the broker port must be in 1025...45535") }
        let runner = ChaosRunner(
            amqpURL: url, executions: executions, callbacks: callbacks, seed: seed, keepFiles: keepFiles,
            brokerPort: port)
        return await runEach(try scenarios(), what: \.name) { await runner.run($0) }
    }

    private func write(_ results: [ChaosResult]) throws {
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(results).write(to: URL(fileURLWithPath: json))
        }
        if let report {
            let command = "baton chaos " + CommandLine.arguments.dropFirst(2).joined(separator: " ")
            try ChaosResult.report(results, command: command).write(toFile: report, atomically: true, encoding: .utf8)
        }
    }
}
