import BatonJSON
import ExecutionStore
import Foundation
import Hummingbird
import OrchestratorCore
import StatesLanguage

/// One execution's page (`/console/execution?arn=…`) and its buttons.
extension Console {
    /// The most history events one page shows.
    static let historyLimit = 10_000

    func executionPage(_ fields: Fields) async throws -> Response {
        guard let arn = fields["arn"] else { return Self.errorPage(.badRequest, "Which execution? Add ?arn=…") }
        let described = try await operations.handle(
            action: "DescribeExecution", request: ["executionArn": .string(arn)])
        let status = described["status"]?.stringValue ?? ""
        let machineArn = described["stateMachineArn"]?.stringValue ?? ""
        var events: [JSON] = []
        var token: String?
        repeat {
            var request: JSONObject = ["executionArn": .string(arn), "maxResults": 1000]
            if let token { request["nextToken"] = .string(token) }
            let page = try await operations.handle(action: "GetExecutionHistory", request: .object(request))
            events += page["events"]?.arrayValue ?? []
            token = page["nextToken"]?.stringValue
        } while token != nil && events.count < Self.historyLimit
        var timeline = ExecutionTimeline(events: events, now: Date().timeIntervalSince1970)

        // The open task, its timers and the revision's definition are in the owning shard's store: this one's,
        // unless the execution belongs to another shard.
        let record = try await store.execution(arn: arn)
        var openTasks: [OpenTask] = []
        var timers: [PendingTimer] = []
        if let record {
            openTasks = try await store.openTasks(executionID: record.id)
            timers = try await store.timers(executionID: record.id)
        }
        var definition: String?
        var revision = "current"
        if let record {
            definition = try await store.stateMachineDefinition(arn: machineArn, revision: record.stateMachineRevision)
            revision = String(record.stateMachineRevision)
        }
        if definition == nil {
            let machine = try? await operations.handle(
                action: "DescribeStateMachine", request: ["stateMachineArn": .string(machineArn)])
            definition = machine?["definition"]?.stringValue
        }
        timeline.heartbeats = openTasks.compactMap { task in
            Self.lastHeartbeat(task, timers: timers, timeScale: configuration.timeScale)?.timeIntervalSince1970
        }
        let graph = await graphSection(
            definition: definition ?? "", key: "\(machineArn)#\(revision)", style: Self.colouring(timeline, definition))

        let query = HTML.escape(HTML.query(arn))
        var body = ""
        if let message = fields["message"] {
            body += "<p class=\"message\" role=\"status\" id=\"message\">\(HTML.escape(message))</p>"
        }
        body += "<dl class=\"facts\"><dt>Status</dt><dd id=\"status\">\(HTML.status(status))</dd>"
        body +=
            "<dt>State machine</dt><dd><a href=\"/console/state-machine?arn=\(HTML.escape(HTML.query(machineArn)))\">"
        body +=
            "\(HTML.escape(StatesARN.stateMachineName(machineArn) ?? machineArn))</a> (revision \(HTML.escape(revision)))</dd>"
        body += "<dt>ARN</dt><dd><code>\(HTML.escape(arn))</code></dd>"
        for (label, key) in [("Started (UTC)", "startDate"), ("Stopped (UTC)", "stopDate")] {
            if let seconds = described[key]?.doubleValue {
                body += "<dt>\(label)</dt><dd>\(HTML.date(Date(timeIntervalSince1970: seconds)))</dd>"
            }
        }
        for key in ["error", "cause"] {
            if let value = described[key]?.stringValue {
                body += "<dt>\(key.capitalized)</dt><dd>\(HTML.escape(value))</dd>"
            }
        }
        body += "</dl>"
        if status == "RUNNING" {
            body += openTaskSection(openTasks, timers: timers, arn: arn, timeline: timeline, local: record != nil)
            if !openTasks.isEmpty, let approver = configuration.approverURL,
                Self.waitsForApproval(events, configuration)
            {
                body += "<p id=\"approver-link\">This task waits for a person: decide on the "
                body += "<a href=\"\(HTML.escape(approver))\">approver's page</a>.</p>"
            }
            body += """
                <form class="inline" method="post" action="/console/execution/stop" id="stop">\
                <input type="hidden" name="arn" value="\(HTML.escape(arn))">\
                <label for="stop-cause">Cause</label><input id="stop-cause" name="cause" value="stopped from the console">\
                <button type="submit" class="danger">Stop execution</button></form>
                """
        }
        body += Self.redriveForm(described, arn: arn)
        body += "<h2>Graph</h2>\(graph)"
        body += "<h2>Timeline</h2>\(timeline.html)"
        body += "<h2>Input</h2><pre id=\"input\">\(HTML.escape(described["input"]?.stringValue ?? ""))</pre>"
        if let output = described["output"]?.stringValue {
            body += "<h2>Output</h2><pre id=\"output\">\(HTML.escape(output))</pre>"
        }
        body += "<h2>Events (\(events.count))</h2>" + Self.eventTable(events, start: timeline.range.start)
        let live = "/console/events?execution=\(query)"
        let name = described["name"]?.stringValue ?? arn
        return Self.html(HTML.page(title: "Execution \(name)", current: "executions", live: live, body: body))
    }

    /// The waiting task: its token (shortened), attempt, deadlines counting down, and the callback forms.
    func openTaskSection(
        _ tasks: [OpenTask], timers: [PendingTimer], arn: String, timeline: ExecutionTimeline, local: Bool
    ) -> String {
        guard local else { return "<p>The open task of this execution is shown by the console of its shard.</p>" }
        guard !tasks.isEmpty else { return "<p id=\"no-open-task\">No task waits for a callback.</p>" }
        var text = "<h2>Waiting for a callback</h2>"
        for task in tasks {
            let token = signer.issue(
                TaskToken(
                    shard: configuration.shard, executionID: task.executionID, taskID: task.taskID,
                    attempt: task.attempt))
            let short = token.count > 16 ? "\(token.prefix(8))…\(token.suffix(8))" : token
            text +=
                "<section class=\"open-task\" id=\"task-\(HTML.escape(task.taskID))\" aria-label=\"Open task\"><dl class=\"facts\">"
            text +=
                "<dt>Token</dt><dd><code title=\"shortened; id \(HTML.escape(TaskTokenSigner.shortID(of: token)))\">\(HTML.escape(short))</code></dd>"
            text += "<dt>Resource</dt><dd><code>\(HTML.escape(task.resource))</code></dd>"
            text +=
                "<dt>Attempt</dt><dd>\(task.attempt + 1)</dd><dt>Opened (UTC)</dt><dd>\(HTML.date(task.createdAt))</dd>"
            for timer in timers where timer.key == "to:\(task.taskID)" || timer.key == "hb:\(task.taskID)" {
                let label = timer.key.hasPrefix("to:") ? "Timeout" : "Heartbeat due"
                let millis = Int64((timer.fireAt.timeIntervalSince1970 * 1000).rounded())
                text += "<dt>\(label)</dt><dd>\(HTML.date(timer.fireAt)) UTC, in "
                text += "<span data-deadline=\"\(millis)\" data-scale=\"\(configuration.timeScale)\">…</span></dd>"
            }
            if task.heartbeatSeconds != nil {
                let beat = Self.lastHeartbeat(task, timers: timers, timeScale: configuration.timeScale)
                text += "<dt>Last heartbeat (UTC)</dt><dd id=\"last-heartbeat\">"
                text += beat.map { HTML.date($0) } ?? "none yet"
                text += "</dd>"
            }
            text += "</dl>"
            let hidden = """
                <input type="hidden" name="arn" value="\(HTML.escape(arn))">\
                <input type="hidden" name="task" value="\(HTML.escape(task.taskID))">\
                <input type="hidden" name="attempt" value="\(task.attempt)">
                """
            let id = HTML.escape(task.taskID)
            text += """
                <form class="inline" method="post" action="/console/execution/callback" id="succeed-\(id)">\(hidden)\
                <input type="hidden" name="outcome" value="success">\
                <label for="output-\(id)">Output (JSON)</label><input id="output-\(id)" name="output" value="{}" size="24">\
                <button type="submit">Send task success</button></form>
                <form class="inline" method="post" action="/console/execution/callback" id="fail-\(id)">\(hidden)\
                <input type="hidden" name="outcome" value="failure">\
                <label for="error-\(id)">Error</label><input id="error-\(id)" name="error" value="Console.Failed" size="16">\
                <label for="cause-\(id)">Cause</label><input id="cause-\(id)" name="cause" value="failed from the console">\
                <button type="submit">Send task failure</button></form></section>
                """
        }
        return text
    }

    /// When an open task last sent a heartbeat: its heartbeat deadline less HeartbeatSeconds (in real time), if
    /// that is after the task opened (before any heartbeat the deadline counts from the opening).
    static func lastHeartbeat(_ task: OpenTask, timers: [PendingTimer], timeScale: Double) -> Date? {
        guard let seconds = task.heartbeatSeconds,
            let timer = timers.first(where: { $0.key == "hb:\(task.taskID)" })
        else { return nil }
        let beat = timer.fireAt.addingTimeInterval(-Double(seconds) / max(timeScale, 0.000_001))
        return beat.timeIntervalSince(task.createdAt) > 0.05 ? beat : nil
    }

    /// Whether the latest task scheduled sent its message to the approver's queue.
    static func waitsForApproval(_ events: [JSON], _ configuration: Configuration) -> Bool {
        guard let scheduled = events.last(where: { $0["type"]?.stringValue == "TaskScheduled" }),
            let parameters = scheduled["taskScheduledEventDetails"]?["parameters"]?.stringValue,
            let queueURL = (try? JSON(parsing: parameters))?["QueueUrl"]?.stringValue
        else { return false }
        return queueURL.hasSuffix("/\(configuration.approvalsQueue)") || queueURL == configuration.approvalsQueue
    }

    /// CSS filling each state's node with its outcome (the waiting state outlined too).
    static func colouring(_ timeline: ExecutionTimeline, _ definition: String?) -> String {
        guard let definition, let machine = try? StateMachineDefinition.parse(definition) else { return "" }
        let parsed = StateGraph(machine)
        let fills = [
            "succeeded": "#c8efcf", "failed": "#f7c6cc", "timed-out": "#f7c6cc", "aborted": "#dddddd",
            "running": "#cfe0ff", "waiting": "#ffd27a",
        ]
        var css = ""
        for (name, outcome) in timeline.outcomes {
            guard let fill = fills[outcome] else { continue }
            for id in parsed.nodeIDs[name] ?? [] {
                let selector = ["polygon", "path", "ellipse"].map { "#\(id)>\($0)" }.joined(separator: ",")
                css += "\(selector){fill:\(fill)!important}"
                if outcome == "waiting" { css += "\(selector){stroke:#a04000;stroke-width:4px}" }
            }
        }
        return css
    }

    static func eventTable(_ events: [JSON], start: Double) -> String {
        var text = "<table id=\"events\"><thead><tr><th scope=\"col\">Id</th><th scope=\"col\">Type</th>"
        text += "<th scope=\"col\">After (s)</th><th scope=\"col\">Details</th></tr></thead><tbody>"
        for event in events {
            let id = event["id"]?.doubleValue.map { String(Int64($0)) } ?? ""
            let type = event["type"]?.stringValue ?? ""
            let after = event["timestamp"]?.doubleValue.map { String(format: "%.3f", $0 - start) } ?? ""
            var details = JSONObject()
            for (key, value) in event.objectValue ?? JSONObject() where key.hasSuffix("EventDetails") {
                details[key] = value
            }
            let summary =
                details.isEmpty
                ? ""
                : "<details><summary>details</summary><pre>\(HTML.escape(JSON.object(details).serialized))</pre></details>"
            text += "<tr><td>\(id)</td><td>\(HTML.escape(type))</td><td>\(after)</td><td>\(summary)</td></tr>"
        }
        return text + "</tbody></table>"
    }
}
