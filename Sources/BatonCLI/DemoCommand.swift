import ArgumentParser
import BatonProtocol
import BatonRuntime
import Foundation

/// `baton demo`: runs every seed scenario through a running Baton system (the orchestrator with the seed state
/// machines, worker-function on `<prefix>.seed1`, a never-calling-back worker on `<prefix>.seed1.silent`,
/// legacy-system on `<prefix>.legacy.callbacks`, the approver with `reject-if=amount>1000`), each on the JSONPath
/// seed machine and on its JSONata twin (`<machine>-jsonata`), approves the one approval a person would (on both),
/// prints execution → expected → actual status, then each twin beside its JSONPath machine, and exits non-zero
/// unless every scenario ended as expected and every twin's outcome (status, error, cause, output) is identical.
/// scripts/demo.sh and docker-compose.yml's `demo` service both run it.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the seed scenarios against a running system and print their outcome table.",
        discussion: """
            Waits until the orchestrator answers and every seed queue has a consumer, registers seed1-no-callback \
            and seed1-no-callback-jsonata (seed1-callback and its JSONata twin publishing to \
            <prefix>.seed1.silent), creates seed 3's activity baton-packing, starts ten executions on the \
            JSONPath seed machines and the same ten on their JSONata twins (<machine>-jsonata), approves approval-approved and approval-approved-jsonata \
            through the approver's API, waits for all to end and prints the tables. Exit status 1 when a \
            scenario ends otherwise than expected or a JSONata twin's status, error, cause or output differs \
            from its JSONPath machine's (legacy-system's completedAt clock aside).
            """
    )

    @OptionGroup var options: ClientOptions

    @Option(help: "Directory of the seed *.asl.json files [env: BATON_STATE_MACHINES] (default: deploy/statemachines)")
    var stateMachines: String?

    @Option(help: "The approver's base URL [env: BATON_APPROVER_URL] (default: http://127.0.0.1:8090)")
    var approverUrl: String?

    @Option(help: "The orchestrator's time scale, for the table's note [env: BATON_TIME_SCALE] (default: 1)")
    var timeScale: Double?

    @Option(help: "Seconds to wait for the orchestrator and the workers to be ready.")
    var readyTimeout: Double = 120

    @Option(help: "Seconds to wait for the executions to end once started.")
    var endTimeout: Double = 60

    func run() async throws {
        let prefix = options.names.prefix
        let scale = try Setting.double(timeScale, "BATON_TIME_SCALE") ?? 1
        let directory = Setting.resolve(stateMachines, "BATON_STATE_MACHINES") ?? "deploy/statemachines"
        let readiness = DemoReadiness(options: options, deadline: Date().addingTimeInterval(readyTimeout))
        try await readiness.waitForOrchestrator()
        try await readiness.waitForConsumers(
            ["seed1", "seed1.silent", "legacy.callbacks", "jobs", "approvals"].map { "\(prefix).\($0)" })
        for suffix in ["", DemoScenario.jsonataSuffix] {
            try await registerSilentSeed(directory: directory, prefix: prefix, suffix: suffix)
        }
        // Seed 3's activity (CreateActivity is idempotent); worker-function --activity polls it.
        _ = try await options.command("CreateActivity", ["name": DemoScenario.activity])

        say(
            "baton demo: running the seed scenarios (workflow time ×\(Self.number(scale)): seed 1's 30 s timeout "
                + "lasts \(Self.number(30 / scale)) s, the approval's 120 s lasts \(Self.number(120 / scale)) s)")
        var started: [(scenario: DemoScenario, arn: String)] = []
        let stamp = Int(Date().timeIntervalSince1970)
        for scenario in DemoScenario.all {
            let machine = try await StateMachineLookup.arn(scenario.machine, options: options)
            let response = try await options.command(
                "StartExecution",
                [
                    "stateMachineArn": machine, "name": "\(scenario.label)-\(stamp)", "input": scenario.input,
                    "traceHeader": Self.traceparent(),
                ])
            guard let arn = response["executionArn"] as? String else {
                throw CLIError("could not start \(scenario.label): no executionArn in \(response)")
            }
            started.append((scenario, arn))
        }
        for approval in started where approval.scenario.label.hasPrefix("approval-approved") {
            try await approve(approval.arn, deadline: readiness.deadline)
        }

        let deadline = Date().addingTimeInterval(endTimeout)
        var rows: [[String]] = []
        var failures = 0
        var descriptions: [String: [String: Any]] = [:]
        for (scenario, arn) in started {
            var description: [String: Any] = [:]
            while true {
                description = (try? await options.command("DescribeExecution", ["executionArn": arn])) ?? [:]
                let status = description["status"] as? String
                if let status, status != "RUNNING" { break }
                if Date() >= deadline { break }
                try await Task.sleep(for: .milliseconds(200))
            }
            descriptions[scenario.label] = description
            let status = description["status"] as? String ?? "?"
            let expected = status == scenario.expected
            if !expected { failures += 1 }
            let elapsed = Self.elapsed(description)
            rows.append([
                scenario.label, scenario.machine, scenario.expected, status,
                elapsed.map(Human.seconds) ?? "-", elapsed.map { Human.seconds($0 * scale) } ?? "-",
                JSONText.compact(description["error"]).isEmpty ? "-" : JSONText.compact(description["error"]),
                expected ? "ok" : "UNEXPECTED",
            ])
        }
        print("")
        say("Seed scenarios")
        Human.table(
            ["EXECUTION", "STATE MACHINE", "EXPECTED", "ACTUAL", "DURATION", "WORKFLOW TIME", "ERROR", ""], rows)
        print(
            "DURATION is wall-clock time from startDate to stopDate (both real dates); WORKFLOW TIME is the same span "
                + "as the state machines count it (×\(Self.number(scale)), what TimeoutSeconds is measured in)")
        print("")
        let differing = compareTwins(descriptions)
        if failures == 0 && differing == 0 {
            say(
                "baton demo: all \(rows.count) scenarios ended as expected, each JSONata twin as its JSONPath machine")
        } else {
            say(
                "baton demo: \(failures) of \(rows.count) scenarios did not end as expected; \(differing) of "
                    + "\(DemoScenario.seeds.count) JSONata twins ended otherwise than their JSONPath machine")
            throw ExitCode.failure
        }
    }

    /// Prints each JSONata twin's outcome beside its JSONPath machine's and returns how many differ.
    private func compareTwins(_ descriptions: [String: [String: Any]]) -> Int {
        let comparisons = DemoScenario.seeds.map { scenario in
            DemoTwinComparison(
                label: scenario.label, jsonPath: descriptions[scenario.label] ?? [:],
                jsonata: descriptions[scenario.jsonataTwin.label] ?? [:])
        }
        say("JSONata twins (the same input on <machine>\(DemoScenario.jsonataSuffix))")
        Human.table(
            ["EXECUTION", "JSONPATH", "JSONATA", "COMPARED", ""],
            comparisons.map { comparison in
                let status = { (label: String) in descriptions[label]?["status"] as? String ?? "?" }
                return [
                    comparison.label, status(comparison.label), status(comparison.label + DemoScenario.jsonataSuffix),
                    DemoTwinComparison.fields.joined(separator: ", "),
                    comparison.differences.isEmpty
                        ? "identical" : "DIFFERS: " + comparison.differences.joined(separator: ", "),
                ]
            })
        for comparison in comparisons { comparison.details.forEach { print("  \($0)") } }
        print(
            "Outputs are compared as JSON values; legacy-system's completedAt (its clock when the job ended) only as "
                + "present on both")
        print("")
        return comparisons.filter { !$0.differences.isEmpty }.count
    }

    /// Registers seed1-no-callback (`suffix` empty) or its JSONata twin (`-jsonata`): seed1-callback's definition,
    /// or its twin's, publishing to the silent worker's queue. An existing machine of that name (a second run
    /// against the same orchestrator) is kept.
    private func registerSilentSeed(directory: String, prefix: String, suffix: String) async throws {
        let path = URL(fileURLWithPath: directory).appendingPathComponent("seed1-callback\(suffix).asl.json").path
        guard let definition = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CLIError("cannot read \(path) (set --state-machines or BATON_STATE_MACHINES)")
        }
        let silent = definition.replacingOccurrences(of: "/\(prefix).seed1\"", with: "/\(prefix).seed1.silent\"")
        do {
            _ = try await options.command(
                "CreateStateMachine",
                [
                    "name": "seed1-no-callback\(suffix)", "definition": silent,
                    "roleArn": "arn:aws:iam::123456789012:role/baton-demo", "type": "STANDARD",
                ])
        } catch let error as RemoteError where error.type == "StateMachineAlreadyExists" {
            return
        }
    }

    /// Approves the execution's pending request through the approver's API, retrying until it has arrived.
    private func approve(_ executionArn: String, deadline: Date) async throws {
        var arguments = [
            "--approver-url", Setting.resolve(approverUrl, "BATON_APPROVER_URL") ?? "http://127.0.0.1:8090",
        ]
        if options.json { arguments.append("--json") }
        let endpoint = try ApprovalsCommand.Endpoint.parse(arguments)
        while true {
            do {
                let id = try await endpoint.requestID(nil, executionArn: executionArn)
                let response = try await endpoint.call(
                    "POST", "/approvals/\(id)/approve",
                    body: ["approver": "baton demo", "comment": "approved by baton demo"])
                guard response["callback"] as? String == "accepted" else {
                    throw CLIError("the orchestrator did not accept the approval: \(JSONText.compact(response))")
                }
                return
            } catch let error as CLIError where Date() < deadline && !error.description.contains("did not accept") {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Seconds from startDate to stopDate, `nil` while running.
    private static func elapsed(_ description: [String: Any]) -> Double? {
        guard let start = (description["startDate"] as? NSNumber)?.doubleValue,
            let stop = (description["stopDate"] as? NSNumber)?.doubleValue
        else { return nil }
        return stop - start
    }

    /// A fresh W3C `traceparent` (version 00, sampled), so each execution can be followed through the logs.
    static func traceparent() -> String {
        func hex(_ count: Int) -> String {
            String(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(count))
        }
        return "00-\(hex(32))-\(hex(16))-01"
    }

    /// `10` for whole numbers, `1.5` otherwise.
    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    private func say(_ text: String) {
        let bold = isatty(STDOUT_FILENO) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        print(bold ? "\u{1B}[1m\(text)\u{1B}[0m" : text)
    }
}
