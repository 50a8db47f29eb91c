import BatonJSON
import ExecutionStore
import Foundation
import StatesLanguage

/// RedriveExecution and the redrive fields of DescribeExecution and ListExecutions.
extension StepFunctionsOperations {
    func redriveExecution(_ fields: RequestFields) async throws(APIError) -> JSON {
        let arn = try fields.arn("executionArn")
        let clientToken = try fields.optionalString("clientToken")
        let date = try await metrics.timeCommit("redrive") { () async throws(APIError) in
            try await engine.redriveExecution(executionArn: arn, clientToken: clientToken)
        }
        return ["redriveDate": .number(date.timeIntervalSince1970)]
    }

    /// Adds DescribeExecution's `redriveCount`, `redriveDate`, `redriveStatus` and `redriveStatusReason`.
    func addRedriveFields(to object: inout JSONObject, of record: ExecutionRecord) async throws(APIError) {
        let engine = self.engine
        let (summary, data, machine) = try await read {
            (
                try await engine.store.redrives(executionID: record.id),
                record.status == .running || record.status == .succeeded
                    ? nil : try await engine.store.executionState(id: record.id),
                try await engine.store.stateMachine(arn: record.stateMachineArn)
            )
        }
        let eligibility = Engine.redriveEligibility(
            record, state: Engine.storedState(data), redriveCount: summary.count, machine: machine,
            at: engine.clock.now())
        object["redriveCount"] = .integer(Int64(summary.count))
        if let date = summary.lastDate { object["redriveDate"] = .number(date.timeIntervalSince1970) }
        object["redriveStatus"] = .string(eligibility.status)
        if let reason = eligibility.refusal { object["redriveStatusReason"] = .string(reason) }
    }

    /// Adds ListExecutions' `redriveCount` (and `redriveDate` once redriven) to each item.
    func addRedriveCounts(to items: inout [JSONObject], ids: [Int64]) async throws(APIError) {
        let engine = self.engine
        let counts = try await read { try await engine.store.redriveCounts(executionIDs: ids) }
        for index in items.indices {
            let redriven = counts[ids[index]]
            items[index]["redriveCount"] = .integer(Int64(redriven?.count ?? 0))
            if let date = redriven?.lastDate { items[index]["redriveDate"] = .number(date.timeIntervalSince1970) }
        }
    }
}
