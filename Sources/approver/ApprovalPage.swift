import BatonProtocol
import Foundation
import Hummingbird
import WorkerKit

/// The approver's HTTP surface: an HTML page listing pending requests with approve/reject forms (and, below, the
/// recently closed ones with why, without forms), and the JSON API `baton approvals` uses:
/// - `GET /approvals` → `{"approvals": [{"id", "receivedAt", "stateName", "executionArn", "request"}]}`: only the
///   requests a decision can still matter for
/// - `GET /approvals/closed` → the same fields plus `"outcome"` (approved, rejected, closed), `"reason"`,
///   `"closedAt"` and `"executionEnd"`, most recently closed first
/// - `POST /approvals/{id}/approve` (JSON `{"approver", "comment"}` or a form) → SendTaskSuccess
/// - `POST /approvals/{id}/reject` (JSON `{"approver", "reason"}` or a form) → SendTaskFailure `Rejected`
///
/// A decision answers `{"id", "decision", "callback": "accepted" | "rejected" | "unanswered", "errorType"?,
/// "message"?}`, 409 `{"__type": "ApprovalClosed", "message"}` (with the reason) for a closed request, 404
/// `{"__type": "NotFound"}` for an id it does not know; a form post redirects to `/`.
enum ApprovalPage {
    static func router(desk: ApprovalDesk) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/") { _, _ in
            html(page(await desk.store.list(), closed: Array(await desk.store.listClosed().prefix(50))))
        }
        router.get("/approvals") { _, _ in
            json(["approvals": await desk.store.list().map(\.listed)])
        }
        router.get("/approvals/closed") { _, _ in
            json(["approvals": await desk.store.listClosed().map(\.listed)])
        }
        router.post("/approvals/:id/:decision") { request, context -> Response in
            let id = try context.parameters.require("id")
            var request = request
            let form = request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") ?? false
            let body = try await request.collectBody(upTo: 65_536)
            let fields = form ? formFields(String(buffer: body)) : jsonFields(String(buffer: body))
            let approver = fields["approver"].flatMap { $0.isEmpty ? nil : $0 } ?? (form ? "web page" : "api")
            let decision: ApprovalDesk.Decision
            switch try context.parameters.require("decision") {
            case "approve":
                decision = .approve(approver: approver, comment: fields["comment"].flatMap { $0.isEmpty ? nil : $0 })
            case "reject":
                decision = .reject(approver: approver, reason: fields["reason"].flatMap { $0.isEmpty ? nil : $0 })
            default: return json(["__type": "NotFound", "message": "use approve or reject"], status: .notFound)
            }
            let result: ApprovalDesk.Result
            switch try await desk.decide(id, decision) {
            case .decided(let decided): result = decided
            case .closed(let closed):
                if form { return redirect() }
                return json(
                    ["__type": "ApprovalClosed", "message": "approval '\(id)' is closed: \(closed.reason)"],
                    status: .conflict)
            case .unknown:
                if form { return redirect() }
                return json(["__type": "NotFound", "message": "no pending approval '\(id)'"], status: .notFound)
            }
            if form { return redirect() }
            var answer: [String: Any] = ["id": id, "decision": result.decision]
            switch result.reply {
            case nil: answer["callback"] = "unanswered"
            case let reply? where reply.isAccepted: answer["callback"] = "accepted"
            case let reply?:
                answer["callback"] = "rejected"
                answer["errorType"] = reply.errorType
                answer["message"] = reply.message
            }
            return json(answer)
        }
        return router
    }

    private static func page(_ requests: [ApprovalRequest], closed: [ClosedApproval]) -> String {
        var rows = ""
        for request in requests {
            let id = escape(request.id)
            rows += """
                <tr id="approval-\(id)"><td><code>\(id)</code></td><td>\(escape(request.stateName ?? "-"))</td>
                <td>\(escape(request.receivedAt.formatted(.iso8601)))</td><td><pre>\(escape(request.request))</pre></td>
                <td><form method="post" action="/approvals/\(id)/approve"><input name="comment" placeholder="comment">
                <button type="submit" name="approve">Approve</button></form>
                <form method="post" action="/approvals/\(id)/reject"><input name="reason" placeholder="reason">
                <button type="submit" name="reject">Reject</button></form></td></tr>

                """
        }
        let table =
            requests.isEmpty
            ? "<p id=\"empty\">No pending approvals.</p>"
            : "<table><tr><th>id</th><th>state</th><th>received</th><th>request</th><th>decision</th></tr>\n\(rows)</table>"
        return """
            <!doctype html><html><head><meta charset="utf-8"><title>Baton approvals</title>
            <style>body{font-family:sans-serif;margin:2em}td,th{border-bottom:1px solid #ccc;padding:.4em;vertical-align:top}
            pre{margin:0;max-width:40em;white-space:pre-wrap}form{display:inline-block;margin-right:1em}</style></head>
            <body><h1>Pending approvals (\(requests.count))</h1>\(table)\(closedSection(closed))</body></html>
            """
    }

    /// The recently closed requests, for reference only: no decision can matter for them any more.
    private static func closedSection(_ closed: [ClosedApproval]) -> String {
        guard !closed.isEmpty else { return "" }
        var rows = ""
        for approval in closed {
            let ending = approval.executionEnd.map { " (execution: \(escape($0)))" } ?? ""
            rows += """
                <tr id="closed-\(escape(approval.id))"><td><code>\(escape(approval.id))</code></td>\
                <td>\(escape(approval.request.stateName ?? "-"))</td><td>\(escape(approval.outcome.rawValue))</td>\
                <td>\(escape(approval.closedAt.formatted(.iso8601)))</td><td>\(escape(approval.reason))\(ending)</td></tr>

                """
        }
        return """
            <h2>Recently closed (\(closed.count))</h2><p>No decision can change these any more.</p>
            <table id="closed"><tr><th>id</th><th>state</th><th>outcome</th><th>closed</th><th>why</th></tr>
            \(rows)</table>
            """
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    private static func formFields(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                $0.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            if let key = parts.first { fields[key] = parts.count > 1 ? parts[1] : "" }
        }
        return fields
    }

    private static func jsonFields(_ body: String) -> [String: String] {
        (JSONBody.object(Array(body.utf8)) ?? [:]).compactMapValues { $0 as? String }
    }

    private static func html(_ text: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    private static func json(_ object: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: JSONBody.text(object))))
    }

    private static func redirect() -> Response {
        Response(status: .seeOther, headers: [.location: "/"])
    }
}
