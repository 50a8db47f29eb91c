import ArgumentParser
import BatonProtocol
import Foundation

/// `baton redrive`: RedriveExecution for one execution, or for every stopped execution of a state machine that
/// stopped since a time (the answer to "hundreds of executions failed with States.Timeout during an outage").
struct RedriveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redrive",
        abstract: "Redrive FAILED, TIMED_OUT or ABORTED executions: each resumes from the state it stopped in.",
        discussion: """
            baton redrive EXECUTION_ARN…
            baton redrive --state-machine ARN_OR_NAME --status FAILED --since 2026-01-05T10:00:00Z
            --since also takes a time ago (30s, 15m, 2h, 1d). Exits 1 if an execution could not be redriven.
            """)

    @OptionGroup var options: ClientOptions

    @Argument(help: "Executions to redrive (ARNs).")
    var executionArns: [String] = []

    @Option(name: .customLong("state-machine"), help: "Redrive the stopped executions of this state machine.")
    var stateMachine: String?

    @Option(help: "With --state-machine: the statuses to redrive (FAILED, TIMED_OUT, ABORTED; repeatable).")
    var status: [String] = []

    @Option(help: "With --state-machine: only executions that stopped at or after this time (ISO 8601 or 15m ago).")
    var since: String?

    @Option(help: "A client token for idempotent retries of a single redrive (1–64 printable characters).")
    var clientToken: String?

    func validate() throws {
        if executionArns.isEmpty == (stateMachine == nil) {
            throw ValidationError("give either execution ARNs or --state-machine")
        }
        if stateMachine == nil, !status.isEmpty || since != nil {
            throw ValidationError("--status and --since go with --state-machine")
        }
        for value in status where !["FAILED", "TIMED_OUT", "ABORTED"].contains(value) {
            throw ValidationError("--status must be FAILED, TIMED_OUT or ABORTED, not '\(value)'")
        }
        if clientToken != nil, executionArns.count != 1 {
            throw ValidationError("--client-token goes with exactly one execution ARN")
        }
        if let since { _ = try Self.date(since, now: Date()) }
    }

    func run() async throws {
        var arns = executionArns
        if let stateMachine { arns = try await selected(stateMachine) }
        var redriven: [[String: Any]] = []
        var refused: [[String: Any]] = []
        for arn in arns {
            var request: [String: Any] = ["executionArn": arn]
            if let clientToken { request["clientToken"] = clientToken }
            do {
                let response = try await options.command("RedriveExecution", request)
                redriven.append(["executionArn": arn, "redriveDate": response["redriveDate"] ?? NSNull()])
            } catch let error as RemoteError {
                refused.append(["executionArn": arn, "error": error.type, "message": error.message])
            }
        }
        if options.json {
            try JSONText.print(["redriven": redriven, "refused": refused])
        } else {
            for item in redriven {
                print("redriven  \(item["executionArn"] as? String ?? "-")  \(Human.date(item["redriveDate"]))")
            }
            for item in refused {
                print(
                    "refused   \(item["executionArn"] as? String ?? "-")  \(item["error"] as? String ?? ""): "
                        + "\(item["message"] as? String ?? "")")
            }
            print("\(redriven.count) redriven, \(refused.count) refused")
        }
        if !refused.isEmpty { throw ExitCode.failure }
    }

    /// The executions of the state machine with one of the statuses (all three by default) that stopped since
    /// `--since`, over every page of ListExecutions.
    private func selected(_ machine: String) async throws -> [String] {
        let arn = try await StateMachineLookup.arn(machine, options: options)
        let cutoff = try since.map { try Self.date($0, now: Date()) }
        var arns: [String] = []
        for status in status.isEmpty ? ["FAILED", "TIMED_OUT", "ABORTED"] : status {
            var token: String?
            repeat {
                var request: [String: Any] = ["stateMachineArn": arn, "statusFilter": status, "maxResults": 1000]
                if let token { request["nextToken"] = token }
                let page = try await options.command("ListExecutions", request)
                for item in page["executions"] as? [[String: Any]] ?? [] {
                    guard let executionArn = item["executionArn"] as? String else { continue }
                    let stopped = (item["stopDate"] as? NSNumber).map { Date(timeIntervalSince1970: $0.doubleValue) }
                    if let cutoff, let stopped, stopped < cutoff { continue }
                    arns.append(executionArn)
                }
                token = page["nextToken"] as? String
            } while token != nil
        }
        return arns
    }

    /// An ISO 8601 date (with or without fractional seconds), epoch seconds, or a time ago: `30s`, `15m`, `2h`, `1d`.
    static func date(_ text: String, now: Date) throws -> Date {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        if let unit = text.last.flatMap({ units[$0] }), let amount = Double(text.dropLast()), amount >= 0 {
            return now.addingTimeInterval(-amount * unit)
        }
        if let seconds = Double(text) { return Date(timeIntervalSince1970: seconds) }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        throw ValidationError("--since must be an ISO 8601 time, epoch seconds, or a time ago like 15m: '\(text)'")
    }
}
