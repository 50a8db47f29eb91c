import BatonJSON
import ExecutionStore
import Foundation
import Hummingbird
import OrchestratorCore
import StatesLanguage

/// The executions list (`/console`) and the state machine pages.
extension Console {
    static let statuses = ["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]

    /// `/console?status=…&machine=…&after=…`: one page of executions, newest first, paged by the store's keyset
    /// cursor (ListExecutions' nextToken), with the counts per status; updated live.
    func executionsPage(_ fields: Fields) async throws -> Response {
        let status = fields["status"].flatMap { Self.statuses.contains($0) ? $0 : nil }
        let machine = fields["machine"]
        let limit = min(max(Int(fields["limit"] ?? "") ?? 50, 1), 1000)
        var request: JSONObject = ["maxResults": .integer(Int64(limit))]
        if let status { request["statusFilter"] = .string(status) }
        if let machine { request["stateMachineArn"] = .string(machine) }
        if let after = fields["after"] { request["nextToken"] = .string(after) }
        // "Started before": ids grow with start times, so the newest id started by then is the first page's cursor.
        let before = fields["before"].flatMap(Self.parseUTC)
        var noneBefore = false
        var notice = ""
        if let before, fields["after"] == nil {
            if configuration.shardCount > 1 {
                notice =
                    "<p class=\"message\">The start time filter needs one orchestrator; it is ignored with shards.</p>"
            } else if let id = try await store.newestExecutionID(startedAtOrBefore: before) {
                request["nextToken"] = .string(String(id + 1))
            } else {
                noneBefore = true
            }
        }
        let page: JSON =
            noneBefore
            ? ["executions": []] : try await operations.handle(action: "ListExecutions", request: .object(request))
        let machines = try await machineList()
        let counts = try await counts.counts(stateMachineArn: machine, version: try await version(execution: nil))

        var filter = "<form class=\"inline\" method=\"get\" action=\"/console\" aria-label=\"Filter executions\">"
        filter +=
            "<label for=\"f-status\">Status</label><select id=\"f-status\" name=\"status\"><option value=\"\">any</option>"
        for name in Self.statuses {
            filter += "<option\(name == status ? " selected" : "")>\(name)</option>"
        }
        filter += "</select> <label for=\"f-machine\">State machine</label><select id=\"f-machine\" name=\"machine\">"
        filter += "<option value=\"\">any</option>"
        for (arn, name) in machines {
            filter +=
                "<option value=\"\(HTML.escape(arn))\"\(arn == machine ? " selected" : "")>\(HTML.escape(name))</option>"
        }
        filter += "</select> <label for=\"f-before\">Started before (UTC)</label>"
        let beforeValue = before.map(Self.formatUTC) ?? ""
        filter += "<input id=\"f-before\" name=\"before\" type=\"datetime-local\" step=\"1\" value=\"\(beforeValue)\">"
        filter += " <label for=\"f-limit\">Per page</label>"
        filter +=
            "<input id=\"f-limit\" name=\"limit\" type=\"number\" min=\"1\" max=\"1000\" value=\"\(limit)\" size=\"5\">"
        filter += " <button type=\"submit\">Show</button></form>"

        var body = filter + notice + Self.countList(counts, machine: machine)
        let executions = page["executions"]?.arrayValue ?? []
        if executions.isEmpty {
            body += "<p id=\"no-executions\">No executions match.</p>"
        } else {
            body += "<table id=\"executions\"><caption class=\"skip\">Executions, newest first</caption>"
            body +=
                "<thead><tr><th scope=\"col\">Name</th><th scope=\"col\">State machine</th><th scope=\"col\">Status</th>"
            body += "<th scope=\"col\">Started (UTC)</th><th scope=\"col\">Stopped (UTC)</th></tr></thead><tbody>\n"
            for execution in executions { body += Self.row(execution) }
            body += "</tbody></table>"
        }
        var links: [String] = []
        var base: [String] = []
        if let status { base.append("status=\(HTML.query(status))") }
        if let machine { base.append("machine=\(HTML.query(machine))") }
        if limit != 50 { base.append("limit=\(limit)") }
        if let before { base.append("before=\(HTML.query(Self.formatUTC(before)))") }
        if fields["after"] != nil {
            links.append("<a href=\"/console\(base.isEmpty ? "" : "?" + base.joined(separator: "&"))\">First page</a>")
        }
        if let next = page["nextToken"]?.stringValue {
            let query = (base + ["after=\(HTML.query(next))"]).joined(separator: "&")
            links.append("<a id=\"next-page\" href=\"/console?\(HTML.escape(query))\">Next page</a>")
        }
        if !links.isEmpty { body += "<nav aria-label=\"Pages\"><p>\(links.joined(separator: " · "))</p></nav>" }
        return Self.html(HTML.page(title: "Executions", current: "executions", live: "/console/events", body: body))
    }

    /// A `datetime-local` value (`2026-12-04T21:05` or with seconds), read as UTC.
    static func parseUTC(_ text: String) -> Date? {
        let format = Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day().dateTimeSeparator(.standard)
            .time(includingFractionalSeconds: false)
        return (try? format.parse(text)) ?? (try? format.parse(text + ":00"))
    }

    /// A date as a `datetime-local` value in UTC, to the second.
    static func formatUTC(_ date: Date) -> String {
        String(date.formatted(Date.ISO8601FormatStyle(timeZone: .gmt)).prefix(19))
    }

    static func row(_ execution: JSON) -> String {
        let arn = execution["executionArn"]?.stringValue ?? ""
        let name = execution["name"]?.stringValue ?? arn
        let machineArn = execution["stateMachineArn"]?.stringValue ?? ""
        let status = execution["status"]?.stringValue ?? ""
        let start = execution["startDate"]?.doubleValue.map { HTML.date(Date(timeIntervalSince1970: $0)) } ?? ""
        let stop = execution["stopDate"]?.doubleValue.map { HTML.date(Date(timeIntervalSince1970: $0)) } ?? "–"
        return """
            <tr data-arn="\(HTML.escape(arn))" data-status="\(HTML.escape(status))">\
            <td><a href="/console/execution?arn=\(HTML.escape(HTML.query(arn)))">\(HTML.escape(name))</a></td>\
            <td><a href="/console/state-machine?arn=\(HTML.escape(HTML.query(machineArn)))">\
            \(HTML.escape(StatesARN.stateMachineName(machineArn) ?? machineArn))</a></td>\
            <td>\(HTML.status(status))</td><td>\(start)</td><td>\(stop)</td></tr>

            """
    }

    static func countList(_ counts: [StoredStatus: Int], machine: String?) -> String {
        var text = "<ul class=\"counts\" id=\"counts\" aria-label=\"Executions per status\">"
        for status in StoredStatus.allCases {
            let count = counts[status] ?? 0
            let shown = count >= CountCache.cap ? "\(CountCache.cap)+" : "\(count)"
            var query = "status=\(status.rawValue)"
            if let machine { query += "&machine=\(HTML.query(machine))" }
            text += "<li><a href=\"/console?\(HTML.escape(query))\">\(HTML.status(status.rawValue))</a> "
            text += "<span id=\"count-\(status.rawValue.lowercased())\">\(shown)</span></li>"
        }
        return text + "</ul>"
    }

    /// The first few hundred state machines, ARN and name.
    func machineList() async throws -> [(arn: String, name: String)] {
        let page = try await operations.handle(action: "ListStateMachines", request: ["maxResults": 1000])
        return (page["stateMachines"]?.arrayValue ?? []).compactMap { machine in
            guard let arn = machine["stateMachineArn"]?.stringValue, let name = machine["name"]?.stringValue else {
                return nil
            }
            return (arn, name)
        }
    }

    /// `/console/state-machines`.
    func machinesPage() async throws -> Response {
        let machines = try await machineList()
        var body = ""
        if machines.isEmpty {
            body = "<p>No state machines yet.</p>"
        } else {
            body =
                "<table id=\"machines\"><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Executions</th></tr></thead><tbody>"
            for (arn, name) in machines {
                let query = HTML.escape(HTML.query(arn))
                body += "<tr><td><a href=\"/console/state-machine?arn=\(query)\">\(HTML.escape(name))</a></td>"
                body += "<td><a href=\"/console?machine=\(query)\">executions</a></td></tr>"
            }
            body += "</tbody></table>"
        }
        return Self.html(HTML.page(title: "State machines", current: "machines", body: body))
    }

    /// `/console/state-machine?arn=…`: its graph, definition and execution counts.
    func machinePage(_ fields: Fields) async throws -> Response {
        guard let arn = fields["arn"] else { return Self.errorPage(.badRequest, "Which state machine? Add ?arn=…") }
        let described = try await operations.handle(
            action: "DescribeStateMachine", request: ["stateMachineArn": .string(arn)])
        let definition = described["definition"]?.stringValue ?? ""
        let revision = described["revisionId"]?.stringValue ?? "1"
        let name = described["name"]?.stringValue ?? arn
        let graph = await graphSection(definition: definition, key: "\(arn)#\(revision)", style: "")
        let counts = try await counts.counts(stateMachineArn: arn, version: try await version(execution: nil))
        let query = HTML.escape(HTML.query(arn))
        let body = """
            <dl class="facts"><dt>ARN</dt><dd><code>\(HTML.escape(arn))</code></dd>\
            <dt>Type</dt><dd>\(HTML.escape(described["type"]?.stringValue ?? ""))</dd>\
            <dt>Revision</dt><dd>\(HTML.escape(revision))</dd></dl>
            <p><a href="/console?machine=\(query)">Its executions</a></p>\(Self.countList(counts, machine: arn))
            <h2>Graph</h2>\(graph)
            <h2>Definition</h2><pre id="definition">\(HTML.escape(definition))</pre>
            """
        return Self.html(HTML.page(title: "State machine \(name)", current: "machines", body: body))
    }

    /// The drawing of a definition (with `style` colouring its nodes), or why there is none.
    func graphSection(definition: String, key: String, style: String) async -> String {
        let parsed: StateGraph
        do {
            parsed = StateGraph(try StateMachineDefinition.parse(definition))
        } catch {
            return "<p class=\"message\">The definition does not parse: \(HTML.escape("\(error)"))</p>"
        }
        do {
            let svg = try await graphviz.svg(parsed.dot, key: key)
            return
                "<style>\(style)</style><figure class=\"graph\" id=\"graph\" aria-label=\"State graph\">\(svg)</figure>"
        } catch {
            return "<p class=\"message\" id=\"graph-missing\">No graph: \(HTML.escape(error.description))</p>"
        }
    }
}
