import BatonProtocol
import BatonTestSupport
import Foundation
import LocalProcesses
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// approver as a separate process: pending requests over HTTP, decisions as callbacks, the policy mode.
@Suite struct ApproverTests {
    struct Approver {
        let process: ManagedProcess
        let base: URL
        let queue: String
    }

    func startApprover(_ double: OrchestratorDouble, dataDir: URL, _ arguments: [String] = []) async throws -> Approver
    {
        let port = Int.random(in: 20_000..<40_000)
        let queue = "\(double.names.prefix).approvals"
        try await double.declare(queue)
        let process = try ManagedProcess(
            "approver", arguments: ["--data-dir", dataDir.path, "--http-address", "127.0.0.1:\(port)"] + arguments,
            environment: try double.environment)
        try await process.waitForLog("Server started")
        return Approver(process: process, base: URL(string: "http://127.0.0.1:\(port)")!, queue: queue)
    }

    func request(_ url: URL, method: String = "GET", json: String? = nil) async throws -> (Int, [String: Any]) {
        var request = URLRequest(url: url)
        request.httpMethod = method
        if let json {
            request.httpBody = Data(json.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, object)
    }

    func pendingIDs(_ approver: Approver) async throws -> [String] {
        let (_, body) = try await request(approver.base.appendingPathComponent("approvals"))
        return (body["approvals"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
    }

    func withApprover(_ arguments: [String] = [], _ body: (OrchestratorDouble, Approver) async throws -> Void)
        async throws
    {
        let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("approver-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dataDir) }
        try await withOrchestrator { double, processes in
            let approver = try await startApprover(double, dataDir: dataDir, arguments)
            processes.append(approver.process)
            try await body(double, approver)
        }
    }

    @Test func pendingRequestApprovedOverHTTPAnswersSendTaskSuccess() async throws {
        try await withApprover { double, approver in
            try await double.publishTask(
                to: approver.queue, body: #"{"taskToken":"tok-ok","amount":250}"#, integration: "sqs.waitForTaskToken")
            var ids: [String] = []
            try await waitUntil("the request to be pending") {
                ids = try await pendingIDs(approver)
                return ids.count == 1
            }
            let (status, answer) = try await request(
                approver.base.appendingPathComponent("approvals/\(ids[0])/approve"), method: "POST",
                json: #"{"approver":"alice","comment":"fine"}"#)
            #expect(status == 200)
            #expect(answer["callback"] as? String == "accepted")
            let callback = try #require(try await double.waitForCallbacks(1).first)
            #expect(callback.taskToken == "tok-ok")
            let output = try #require(callback.outputObject)
            #expect(output["approved"] as? Bool == true)
            #expect(output["approver"] as? String == "alice")
            #expect(output["comment"] as? String == "fine")
            #expect(try await pendingIDs(approver).isEmpty)
            // Decided: on the closed list, and a second decision is refused with why.
            let (again, refusal) = try await request(
                approver.base.appendingPathComponent("approvals/\(ids[0])/approve"), method: "POST", json: "{}")
            #expect(again == 409)
            #expect(refusal["__type"] as? String == "ApprovalClosed")
            #expect((refusal["message"] as? String)?.contains("approved by alice") == true)
            let (missing, _) = try await request(
                approver.base.appendingPathComponent("approvals/nope/approve"), method: "POST", json: "{}")
            #expect(missing == 404)
        }
    }

    @Test func rejectedRequestAnswersSendTaskFailureRejected() async throws {
        try await withApprover { double, approver in
            try await double.publishTask(
                to: approver.queue, body: #"{"TaskToken":"tok-no"}"#, integration: "sqs.waitForTaskToken")
            var ids: [String] = []
            try await waitUntil("the request to be pending") {
                ids = try await pendingIDs(approver)
                return ids.count == 1
            }
            _ = try await request(
                approver.base.appendingPathComponent("approvals/\(ids[0])/reject"), method: "POST",
                json: #"{"approver":"bob","reason":"too expensive"}"#)
            let callback = try #require(try await double.waitForCallbacks(1).first)
            guard case .failure(let error, let cause) = callback.outcome else {
                Issue.record("expected failure"); return
            }
            #expect(error == "Rejected")
            #expect(cause?.contains("too expensive") == true)
        }
    }

    @Test func policyAutoApprovesAfterTheDelayAndRejectsByRule() async throws {
        try await withApprover(["--policy", "auto-approve-after=300ms;reject-if=amount>1000"]) { double, approver in
            try await double.publishTask(
                to: approver.queue, body: #"{"taskToken":"tok-small","amount":10}"#, integration: "sqs.waitForTaskToken"
            )
            try await double.publishTask(
                to: approver.queue, body: #"{"taskToken":"tok-big","amount":5000}"#, integration: "sqs.waitForTaskToken"
            )
            let callbacks = try await double.waitForCallbacks(2)
            let small = try #require(callbacks.first { $0.taskToken == "tok-small" })
            #expect(small.outputObject?["approver"] as? String == "policy")
            let big = try #require(callbacks.first { $0.taskToken == "tok-big" })
            guard case .failure(let error, _) = big.outcome else { Issue.record("expected failure"); return }
            #expect(error == "Rejected")
        }
    }

    @Test func pageListsPendingRequestsWithApproveAndRejectButtonsInHeadlessChromium() async throws {
        try await withApprover { double, approver in
            try await double.publishTask(
                to: approver.queue, body: #"{"taskToken":"tok-page","item":"laptop"}"#,
                integration: "sqs.waitForTaskToken")
            var ids: [String] = []
            try await waitUntil("the request to be pending") {
                ids = try await pendingIDs(approver)
                return ids.count == 1
            }
            let dom = try await HeadlessChromium.dumpDOM(approver.base)
            #expect(dom.contains("approval-\(ids[0])"))
            #expect(dom.contains("laptop"))
            #expect(dom.contains(#"action="/approvals/\#(ids[0])/approve""#))
            #expect(dom.contains(#"action="/approvals/\#(ids[0])/reject""#))
            #expect(!dom.contains("tok-page"))
            // The form post a click sends: url-encoded, answered with a redirect back to the page.
            var post = URLRequest(url: approver.base.appendingPathComponent("approvals/\(ids[0])/approve"))
            post.httpMethod = "POST"
            post.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
            post.httpBody = Data("comment=looks+good".utf8)
            _ = try await URLSession.shared.data(for: post)
            let callback = try #require(try await double.waitForCallbacks(1).first)
            #expect(callback.outputObject?["comment"] as? String == "looks good")
            let after = try await HeadlessChromium.dumpDOM(approver.base)
            #expect(after.contains("No pending approvals"))
            #expect(after.contains("closed-\(ids[0])"))  // on the closed list, for reference…
            #expect(!after.contains(#"action="/approvals/\#(ids[0])/approve""#))  // …without a decision form
        }
    }
}

/// Debian's chromium in headless mode, for the approver page.
enum HeadlessChromium {
    /// The DOM of `url` after load.
    static func dumpDOM(_ url: URL) async throws -> String {
        guard
            let binary = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else {
            throw ProcessFailure("chromium is not installed: apt-get install -y chromium")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--user-data-dir=\(FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)").path)",
            "--dump-dom", url.absoluteString,
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
