import ArgumentParser
import Foundation

/// `baton list-executions`.
struct ListExecutionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list-executions", abstract: "List executions, newest first.")

    @OptionGroup var options: ClientOptions

    @Option(help: "Only executions of this state machine (ARN or name).")
    var stateMachineArn: String?

    @Option(help: "RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED.")
    var statusFilter: String?

    @Option(help: "At most this many executions (1...1000).")
    var maxResults: Int = 100

    @Option(help: "The nextToken of a previous page.")
    var nextToken: String?

    func run() async throws {
        var request: [String: Any] = ["maxResults": maxResults]
        if let stateMachineArn {
            request["stateMachineArn"] = try await StateMachineLookup.arn(stateMachineArn, options: options)
        }
        if let statusFilter { request["statusFilter"] = statusFilter }
        if let nextToken { request["nextToken"] = nextToken }
        let response = try await options.command("ListExecutions", request)
        if options.json { return try JSONText.print(response) }
        let executions = response["executions"] as? [[String: Any]] ?? []
        Human.table(
            ["STATUS", "STARTED", "DURATION", "STATE MACHINE", "EXECUTION ARN"],
            executions.map { item in
                [
                    item["status"] as? String ?? "-", Human.date(item["startDate"]),
                    Human.duration(from: item["startDate"], to: item["stopDate"]),
                    Human.lastSegment(item["stateMachineArn"]), item["executionArn"] as? String ?? "-",
                ]
            })
        if let next = response["nextToken"] as? String { print("more: --next-token \(next)") }
    }
}

/// `baton get-execution-history`.
struct GetExecutionHistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get-execution-history", abstract: "Show an execution's history events as a table or JSON.")

    @OptionGroup var options: ClientOptions

    @Option(help: "The execution's ARN.")
    var executionArn: String

    @Option(help: "At most this many events (1...1000).")
    var maxResults: Int = 1000

    @Flag(help: "Newest events first.")
    var reverseOrder = false

    @Flag(inversion: .prefixedNo, help: "Include inputs, outputs and parameters in the events.")
    var includeExecutionData = true

    @Option(help: "The nextToken of a previous page.")
    var nextToken: String?

    func run() async throws {
        var request: [String: Any] = [
            "executionArn": executionArn, "maxResults": maxResults, "reverseOrder": reverseOrder,
            "includeExecutionData": includeExecutionData,
        ]
        if let nextToken { request["nextToken"] = nextToken }
        let response = try await options.command("GetExecutionHistory", request)
        if options.json { return try JSONText.print(response) }
        let events = response["events"] as? [[String: Any]] ?? []
        let first = events.compactMap { ($0["timestamp"] as? NSNumber)?.doubleValue }.min() ?? 0
        Human.table(
            ["ID", "ELAPSED", "TYPE", "DETAIL"],
            events.map { event in
                let time = (event["timestamp"] as? NSNumber)?.doubleValue
                return [
                    "\(event["id"] ?? "-")", time.map { "+" + Human.seconds($0 - first) } ?? "-",
                    event["type"] as? String ?? "-", Self.detail(of: event),
                ]
            })
        if let next = response["nextToken"] as? String { print("more: --next-token \(next)") }
        if !events.isEmpty {
            print(
                "ELAPSED is wall-clock time since the first event (timestamps are real dates); timeout= and "
                    + "heartbeat= are the definition's workflow seconds, which a BATON_TIME_SCALE makes pass faster")
        }
    }

    /// The interesting part of an event's details: a state name, an error and cause, or a resource.
    static func detail(of event: [String: Any]) -> String {
        guard let details = event.first(where: { $0.key.hasSuffix("EventDetails") })?.value as? [String: Any] else {
            return ""
        }
        var parts: [String] = []
        if let name = details["name"] as? String { parts.append(name) }
        if let resource = details["resource"] as? String {
            parts.append((details["resourceType"] as? String).map { "\($0):\(resource)" } ?? resource)
        }
        if let seconds = details["timeoutInSeconds"] { parts.append("timeout=\(seconds)s") }
        if let seconds = details["heartbeatInSeconds"] { parts.append("heartbeat=\(seconds)s") }
        if let error = details["error"] as? String { parts.append("error=\(error)") }
        if let cause = details["cause"] as? String { parts.append("cause=\(cause.prefix(80))") }
        return parts.joined(separator: " ")
    }
}
