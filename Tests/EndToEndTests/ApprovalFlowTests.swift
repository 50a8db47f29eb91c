import BatonJSON
import BatonProtocol
import BatonTestSupport
import Foundation
import LocalProcesses
import StatesLanguage
import Testing

/// The manual-approval seed through the real approver: approved by a person (the `baton approvals` CLI),
/// rejected by the policy, and expired by TimeoutSeconds (workflow time ×20: 120 s last 6 s).
@Suite(.serialized) struct ApprovalFlowTests {
    @Test func approvalIsApprovedRejectedOrTimedOut() async throws {
        let system = try await SystemFixture(label: "approval", environment: ["BATON_TIME_SCALE": "20"])
        let prefix = system.names.prefix
        let approverURL = "http://127.0.0.1:\(try freePort())"
        try await system.run {
            let approver = try system.startWorker(
                "approver", [],
                environment: [
                    "BATON_APPROVER_ADDRESS": String(approverURL.dropFirst("http://".count)),
                    "BATON_APPROVER_POLICY": "reject-if=amount>1000",
                ], queues: ["\(prefix).approvals"])
            try await approver.waitForLog("approver started", deadline: .seconds(10))
            let cli = try system.workerEnvironment.merging(["BATON_APPROVER_URL": approverURL]) { _, new in new }
            try await system.withClient { client in
                let machine = try await Seeds.register("manual-approval", on: client, prefix: prefix)
                let approved = try await client.startExecution(machine, input: #"{"item": "laptop", "amount": 900}"#)
                let rejected = try await client.startExecution(machine, input: #"{"item": "yacht", "amount": 5000}"#)
                let expired = try await client.startExecution(machine, input: #"{"item": "desk", "amount": 300}"#)

                var approval = CLIRun(status: -1, stdout: "", stderr: "")
                try await waitUntil(deadline: .seconds(5), interval: .milliseconds(50), "the approval to be pending") {
                    approval = try await CLIRun.baton(
                        ["approvals", "approve", "--execution-arn", approved, "--comment", "ok"], environment: cli)
                    return approval.status == 0
                }
                #expect(approval.stdout.contains("callback accepted"))

                let ok = try await client.waitForEnd(approved)
                #expect(ok["status"]?.stringValue == "SUCCEEDED")
                #expect(ok["output"]?.stringValue?.contains(#""approved":true"#) == true)
                let no = try await client.waitForEnd(rejected)
                #expect(no["status"]?.stringValue == "FAILED")
                #expect(client.errorName(no) == "ApprovalRejected")
                let late = try await client.waitForEnd(expired)
                #expect(late["status"]?.stringValue == "FAILED")
                #expect(client.errorName(late) == "ApprovalTimeout")

                // The expired request left the approver's desk for its closed list; deciding it now is refused.
                let tooLate = try await CLIRun.baton(
                    ["approvals", "reject", "--execution-arn", expired, "--reason", "too late"], environment: cli)
                #expect(tooLate.status != 0)
                #expect(tooLate.stderr.contains("ApprovalClosed"), "\(tooLate.stderr)")
            }
        }
    }
}
