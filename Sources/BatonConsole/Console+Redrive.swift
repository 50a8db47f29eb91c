import BatonJSON
import Foundation
import Hummingbird
import OrchestratorCore

/// The Redrive button of a stopped execution's page: RedriveExecution through `StepFunctionsOperations`.
extension Console {
    /// `POST /console/execution/redrive` with `arn`: redrives the execution and redirects back to its page, which
    /// shows the outcome.
    func redrive(_ fields: Fields) async throws -> Response {
        guard let arn = fields["arn"] else { return Self.errorPage(.badRequest, "Which execution? Send arn.") }
        let message: String
        do {
            _ = try await operations.handle(action: "RedriveExecution", request: ["executionArn": .string(arn)])
            message = "Redriven."
        } catch {
            message = "Not redriven: \(error.code.name): \(error.message)"
        }
        return Self.redirect(Self.executionLocation(arn, message: message))
    }

    /// The Redrive form for an execution DescribeExecution calls `REDRIVABLE`; empty otherwise.
    static func redriveForm(_ described: JSON, arn: String) -> String {
        guard described["redriveStatus"]?.stringValue == "REDRIVABLE" else { return "" }
        return """
            <form class="inline" method="post" action="/console/execution/redrive" id="redrive">\
            <input type="hidden" name="arn" value="\(HTML.escape(arn))">\
            <button type="submit">Redrive execution</button></form>
            """
    }
}
