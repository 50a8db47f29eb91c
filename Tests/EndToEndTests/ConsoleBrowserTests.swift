import BatonJSON
import BatonProtocol
import BatonTestSupport
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The web console in a real headless chromium against the real orchestrator and broker: the executions list
/// follows an execution's end live (Server-Sent Events, no reload), an execution's graph shows its waiting task,
/// the Stop button stops it through the engine, and no page reports a script or console error. Screenshots of
/// each page go to `.build/console-screenshots/`.
@Suite(.serialized) struct ConsoleBrowserTests {
    static let screenshots = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/console-screenshots")

    @Test func listUpdatesLiveGraphShowsTheWaitingTaskAndStopWorks() async throws {
        try await withTaskSystem("console") { system, client, inbox, queue in
            let base = try #require(system.apiURL)
            let machine = try await client.createStateMachine(
                "console-seed1", definition: Definitions.waitForCallback(queue: queue, timeout: 300, heartbeat: 120))
            let finishing = try await client.startExecution(machine, name: "finishes-live")
            let finishingToken = try #require(try await inbox.next().token)
            let stopped = try await client.startExecution(machine, name: "waits-then-stops")
            let stoppedToken = try #require(try await inbox.next().token)

            try await HeadlessBrowser.with { browser in
                let list = try await BrowserPage.open(
                    Self.url(base, "/console", ["machine": machine]), in: browser)
                let row = { (arn: String) in
                    "document.querySelector('tr[data-arn=' + \(BrowserPage.literal("\"\(arn)\"")) + ']')"
                }
                try await list.waitUntil("\(row(finishing))?.dataset.status === 'RUNNING'")
                try await list.waitUntil("\(row(stopped))?.dataset.status === 'RUNNING'")
                // The page's event stream is open before the execution ends, so the change arrives live.
                try await list.waitUntil("document.getElementById('live-status').textContent === 'live'")
                try await list.screenshot(to: Self.screenshots.appendingPathComponent("executions-running.png"))
                #expect(try await list.evaluate(Self.unlabelledControls) == 0)
                let pageID = try await list.evaluate("window.__pageMark = Math.random()")
                #expect(try await client.succeed(finishingToken) == nil)
                try await list.waitUntil("\(row(finishing))?.dataset.status === 'SUCCEEDED'")
                try await list.waitUntil("document.getElementById('count-succeeded').textContent === '1'")
                #expect(try await list.evaluate("window.__pageMark") == pageID, "the list updated without a reload")
                try await list.screenshot(to: Self.screenshots.appendingPathComponent("executions-live.png"))

                // The start time filter: nothing started before 2000, both before 2100.
                try await list.navigate(
                    Self.url(base, "/console", ["machine": machine, "before": "2000-01-01T00:00:00"]))
                #expect(try await list.evaluate("document.getElementById('no-executions') !== null") == true)
                try await list.navigate(Self.url(base, "/console", ["machine": machine, "before": "2100-01-01T00:00"]))
                #expect(try await list.evaluate("document.querySelectorAll('#executions tbody tr').length") == 2)

                try await list.navigate(Self.url(base, "/console/execution", ["arn": stopped]))
                try await list.waitUntil("document.querySelector('#graph svg') !== null")
                // Heartbeats are not history events: the page derives the latest from the heartbeat deadline.
                #expect(try await list.evaluate("document.getElementById('last-heartbeat').textContent") == "none yet")
                #expect(try await client.heartbeat(stoppedToken) == nil)
                try await list.navigate(Self.url(base, "/console/execution", ["arn": stopped]))
                try await list.waitUntil(
                    "/^\\d{4}-/.test(document.getElementById('last-heartbeat').textContent)"
                        + " && document.querySelector('#timeline .tick') !== null")
                // The waiting state is filled with the waiting colour and outlined; the others keep white.
                let fill = """
                    (function(name){var node=[...document.querySelectorAll('#graph g.node')].find(function(g){
                    return g.textContent.indexOf(name) >= 0;}); if(!node) return 'missing';
                    return getComputedStyle(node.querySelector('path,polygon')).fill;})
                    """
                #expect(try await list.evaluate("\(fill)('Wait4Token')") == "rgb(255, 210, 122)")
                #expect(try await list.evaluate("\(fill)('Done')") == "rgb(255, 255, 255)")
                let token = try await list.evaluate("document.querySelector('.open-task code').textContent")
                #expect(token.stringValue?.contains("…") == true, "the token is shown shortened")
                try await list.waitUntil(
                    "[...document.querySelectorAll('[data-deadline]')].map(e => e.textContent).join('|')"
                        + ".match(/^\\d+ s \\(workflow time\\)\\|\\d+ s \\(workflow time\\)$/) !== null")
                try await list.screenshot(to: Self.screenshots.appendingPathComponent("execution-waiting.png"))
                #expect(try await list.evaluate(Self.unlabelledControls) == 0)
                // Keyboard users get a skip link first, to the page's content.
                #expect(try await list.evaluate("document.querySelector('a[href]').getAttribute('href')") == "#main")

                _ = try await list.evaluate("document.querySelector('#stop button').click()")
                try await list.waitUntil("document.querySelector('#status')?.textContent === 'ABORTED'")
                #expect(try await client.status(stopped) == "ABORTED")
                try await list.screenshot(to: Self.screenshots.appendingPathComponent("execution-stopped.png"))

                try await list.navigate(Self.url(base, "/console/state-machine", ["arn": machine]))
                try await list.waitUntil("document.querySelector('#graph svg') !== null")
                try await list.screenshot(to: Self.screenshots.appendingPathComponent("state-machine.png"))
                #expect(browser.errors == [])
            }
        }
    }

    @Test func consoleAsksForTheAPICredentialsAsABasicLogin() async throws {
        try await withTaskSystem("console-login", environment: ["BATON_API_CREDENTIALS": "AKIDCONSOLE:s3cret"]) {
            system, _, _, _ in
            let base = try #require(system.apiURL)
            func status(_ authorization: String?) throws -> Int {
                try Self.curl(base.appendingPathComponent("console"), authorization: authorization).status
            }
            #expect(try status(nil) == 401)
            #expect(try status("Basic " + Data("AKIDCONSOLE:wrong".utf8).base64EncodedString()) == 401)
            #expect(try status("Basic " + Data("AKIDCONSOLE:s3cret".utf8).base64EncodedString()) == 200)
        }
    }

    @Test func reportFilesOfTheReportsDirectoryAreListedAndOpenedAndNothingElse() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("console-reports-\(UUID().uuidString)")
        let reports = root.appendingPathComponent("reports")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(
            at: reports.appendingPathComponent("nested"), withIntermediateDirectories: true)
        try Data("<html><body><h1>load report 42</h1></body></html>".utf8)
            .write(to: reports.appendingPathComponent("loadtest.html"))
        try Data("# chaos report".utf8).write(to: reports.appendingPathComponent("chaos.md"))
        try Data("not a report".utf8).write(to: reports.appendingPathComponent("notes.txt"))
        try Data("nested".utf8).write(to: reports.appendingPathComponent("nested/inner.json"))
        try Data("outside".utf8).write(to: root.appendingPathComponent("secret.json"))
        try await withTaskSystem("console-reports", environment: ["BATON_REPORTS_DIR": reports.path]) {
            system, _, _, _ in
            let base = try #require(system.apiURL)
            let list = try Self.curl(base.appendingPathComponent("console/reports"))
            #expect(list.status == 200)
            #expect(list.body.contains("name=loadtest.html") && list.body.contains("name=chaos.md"))
            #expect(!list.body.contains("notes.txt") && !list.body.contains("inner.json"))
            let opened = try Self.curl(Self.url(base, "/console/report", ["name": "loadtest.html"]))
            #expect(opened.status == 200 && opened.body.contains("load report 42"))
            for name in ["../secret.json", "nested/inner.json", "notes.txt", "missing.html"] {
                #expect(try Self.curl(Self.url(base, "/console/report", ["name": name])).status == 404, "\(name)")
            }
        }
    }

    @Test func anExecutionWaitingForAnApprovalLinksToTheApproversPage() async throws {
        let approverURL = "http://127.0.0.1:\(try freePort())"
        try await withTaskSystem("console-approval", environment: ["BATON_APPROVER_URL": approverURL]) {
            system, client, _, queue in
            let prefix = system.names.prefix
            system.track(queue: "\(prefix).approvals")
            let approval = try await Seeds.register("manual-approval", on: client, prefix: prefix)
            let waiting = try await client.startExecution(approval, input: #"{"amount": 5}"#)
            let other = try await client.startExecution(
                try await client.createStateMachine(
                    "console-plain", definition: Definitions.waitForCallback(queue: queue)))
            let page = { (arn: String) in
                try Self.curl(Self.url(try #require(system.apiURL), "/console/execution", ["arn": arn])).body
            }
            try await waitUntil(deadline: .seconds(10), interval: .milliseconds(100), "the approval task to be open") {
                try page(waiting).contains("Waiting for a callback")
            }
            #expect(try page(waiting).contains(#"<p id="approver-link">"#))
            #expect(try page(waiting).contains(#"href="\#(approverURL)""#))
            try await waitUntil(deadline: .seconds(10), interval: .milliseconds(100), "the plain task to be open") {
                try page(other).contains("Waiting for a callback")
            }
            #expect(try !page(other).contains("approver-link"))
        }
    }

    /// A GET with curl, not URLSession: Foundation's libcurl session answers a Basic challenge by waiting for a
    /// credential delegate instead of returning the 401.
    static func curl(_ url: URL, authorization: String? = nil) throws -> (status: Int, body: String) {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("curl-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        var arguments = ["-s", "-o", output.path, "-w", "%{http_code}", "--max-time", "10"]
        if let authorization { arguments += ["-H", "Authorization: \(authorization)"] }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = arguments + [url.absoluteString]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let body = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        return (Int(String(decoding: data, as: UTF8.self)) ?? 0, body)
    }

    /// How many visible form controls of the page have no label (accessibility basics: every control is named).
    static let unlabelledControls =
        "[...document.querySelectorAll('input:not([type=hidden]),select,textarea')].filter(e => e.labels.length === 0).length"

    static func url(_ base: URL, _ path: String, _ query: [String: String]) -> URL {
        var components = URLComponents(url: base.appendingPathComponent(path), resolvingAgainstBaseURL: false)!
        components.queryItems = query.map { URLQueryItem(name: $0.key, value: $0.value) }
        // ':' may stay literal in a query, but the console's own links encode it: compare like with like.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: ":", with: "%3A")
        return components.url!
    }
}
