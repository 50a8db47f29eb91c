import ArgumentParser
import BatonRuntime
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `baton approvals list|approve|reject`: a person's side of the approver, over its JSON API.
struct ApprovalsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approvals",
        abstract: "List, approve and reject pending approval requests (the approver's API).",
        discussion: """
            `list` shows only the requests a decision can still matter for; the approver moves the others — decided, \
            or whose task or execution ended — to its closed list (`list --closed`), with why.
            """,
        subcommands: [List.self, Approve.self, Reject.self])

    /// Where the approver listens, shared by the subcommands.
    struct Endpoint: ParsableArguments {
        @Option(help: "The approver's base URL [env: BATON_APPROVER_URL] (default: http://127.0.0.1:8090)")
        var approverUrl: String?

        @Flag(help: "Print the approver's JSON response.")
        var json = false

        var base: String {
            let url = Setting.resolve(approverUrl, "BATON_APPROVER_URL") ?? "http://127.0.0.1:8090"
            return url.hasSuffix("/") ? String(url.dropLast()) : url
        }

        /// One request to the API; returns the JSON object, or throws a clear error for any failure.
        func call(_ method: String, _ path: String, body: [String: Any]? = nil) async throws -> [String: Any] {
            guard let url = URL(string: base + path) else { throw CLIError("invalid approver URL '\(base)'") }
            var request = URLRequest(url: url, timeoutInterval: 15)
            request.httpMethod = method
            if let body {
                request.httpBody = Data(try JSONText.encode(body).utf8)
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            }
            let data: Data
            let response: URLResponse
            do {
                (data, response) = try await URLSession.shared.data(for: request)
            } catch {
                throw CLIError("cannot reach the approver at \(base): \(error.localizedDescription)")
            }
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            let text = String(decoding: data, as: UTF8.self)
            let object = (try? JSONText.object(text)) ?? [:]
            guard (200..<300).contains(status) else {
                let type = object["__type"] as? String ?? "HTTP \(status)"
                let message = object["message"] as? String ?? text.prefix(200).description
                throw CLIError("\(type): \(message.isEmpty ? path : message)")
            }
            return object
        }

        /// The id given, or the id of the pending request of `executionArn` — waiting up to `wait` seconds for it to
        /// reach the approver (a request arrives a moment after its execution starts).
        func requestID(_ id: String?, executionArn: String?, wait: Double = 5) async throws -> String {
            if let id { return id }
            guard let executionArn else { throw ValidationError("give a request ID or --execution-arn") }
            let deadline = Date().addingTimeInterval(wait)
            while true {
                let approvals = try await call("GET", "/approvals")["approvals"] as? [[String: Any]] ?? []
                if let match = approvals.first(where: { $0["executionArn"] as? String == executionArn }),
                    let id = match["id"] as? String
                {
                    return id
                }
                let closed = try await call("GET", "/approvals/closed")["approvals"] as? [[String: Any]] ?? []
                if let match = closed.first(where: { $0["executionArn"] as? String == executionArn }) {
                    throw CLIError(
                        "ApprovalClosed: the approval request of \(executionArn) is closed: "
                            + "\(match["reason"] as? String ?? "-")")
                }
                guard Date() < deadline else {
                    throw CLIError("NotFound: no pending approval request for \(executionArn) (waited \(wait) s)")
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }

        /// Prints a decision and fails unless the orchestrator accepted its callback.
        func report(_ response: [String: Any]) throws {
            if json {
                try JSONText.print(response)
            } else {
                let id = response["id"] as? String ?? "-"
                print(
                    "\(response["decision"] as? String ?? "decided") \(id) (callback \(response["callback"] as? String ?? "?"))"
                )
            }
            guard response["callback"] as? String == "accepted" else {
                let type = response["errorType"] as? String ?? "CallbackNotAccepted"
                throw CLIError(
                    "\(type): \(response["message"] as? String ?? "the orchestrator did not accept the decision")")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the pending approval requests (those a decision can still matter for).")

        @OptionGroup var endpoint: Endpoint

        @Flag(help: "List the recently closed requests instead, with why each was closed.")
        var closed = false

        func run() async throws {
            if closed { return try await listClosed() }
            let response = try await endpoint.call("GET", "/approvals")
            if endpoint.json { return try JSONText.print(response) }
            let approvals = response["approvals"] as? [[String: Any]] ?? []
            if approvals.isEmpty { return print("no pending approvals") }
            Human.table(
                ["ID", "RECEIVED", "STATE", "EXECUTION", "REQUEST"],
                approvals.map {
                    [
                        $0["id"] as? String ?? "-", $0["receivedAt"] as? String ?? "-",
                        $0["stateName"] as? String ?? "-",
                        Human.lastSegment($0["executionArn"]), String(JSONText.compact($0["request"]).prefix(80)),
                    ]
                })
        }

        private func listClosed() async throws {
            let response = try await endpoint.call("GET", "/approvals/closed")
            if endpoint.json { return try JSONText.print(response) }
            let approvals = response["approvals"] as? [[String: Any]] ?? []
            if approvals.isEmpty { return print("no closed approvals") }
            Human.table(
                ["ID", "CLOSED", "OUTCOME", "EXECUTION", "WHY"],
                approvals.map {
                    let ending = ($0["executionEnd"] as? String).map { " (execution \($0))" } ?? ""
                    return [
                        $0["id"] as? String ?? "-", $0["closedAt"] as? String ?? "-", $0["outcome"] as? String ?? "-",
                        Human.lastSegment($0["executionArn"]), (($0["reason"] as? String) ?? "-") + ending,
                    ]
                })
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve a pending request (SendTaskSuccess).")

        @OptionGroup var endpoint: Endpoint

        @Argument(help: "The request's id (from `baton approvals list`).")
        var id: String?

        @Option(help: "Instead of an id: the pending request of this execution (waited for up to 5 s).")
        var executionArn: String?

        @Option(help: "Who approves.")
        var approver: String = ProcessInfo.processInfo.environment["USER"] ?? "baton-cli"

        @Option(help: "A comment passed on in the task's output.")
        var comment: String?

        func run() async throws {
            var body: [String: Any] = ["approver": approver]
            if let comment { body["comment"] = comment }
            let id = try await endpoint.requestID(id, executionArn: executionArn)
            try endpoint.report(try await endpoint.call("POST", "/approvals/\(id)/approve", body: body))
        }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reject a pending request (SendTaskFailure Rejected).")

        @OptionGroup var endpoint: Endpoint

        @Argument(help: "The request's id (from `baton approvals list`).")
        var id: String?

        @Option(help: "Instead of an id: the pending request of this execution (waited for up to 5 s).")
        var executionArn: String?

        @Option(help: "Who rejects.")
        var approver: String = ProcessInfo.processInfo.environment["USER"] ?? "baton-cli"

        @Option(help: "Why (becomes the failure's cause).")
        var reason: String?

        func run() async throws {
            var body: [String: Any] = ["approver": approver]
            if let reason { body["reason"] = reason }
            let id = try await endpoint.requestID(id, executionArn: executionArn)
            try endpoint.report(try await endpoint.call("POST", "/approvals/\(id)/reject", body: body))
        }
    }
}
