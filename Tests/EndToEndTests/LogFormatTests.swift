import BatonJSON
import BatonProtocol
import BatonTestSupport
import Foundation
import LocalProcesses
import StatesLanguage
import Testing

/// Numbers in the processes' logs read as people write them: seed 2's HeartbeatSeconds 30 at time scale 10 is sent
/// as 3 real seconds and paced at 0.8 × that, which legacy-system logs as `heartbeat.s=2.4` (not
/// `2.4000000000000004`); the orchestrator logs `time.scale=10` (not `10.0`); no line of any process carries a
/// binary-fraction tail.
@Suite(.serialized) struct LogFormatTests {
    /// A decimal with six or more fraction digits, e.g. `2.4000000000000004` or `0.30000000000000004`.
    static func hasFloatNoise(_ line: Substring) -> Bool { line.contains(/\d\.\d{6,}/) }

    @Test func numbersInLogsAreWrittenAsPeopleWriteThem() async throws {
        let system = try await SystemFixture(label: "logformat", environment: ["BATON_TIME_SCALE": "10"])
        let prefix = system.names.prefix
        try await system.run {
            let legacy = try system.startWorker(
                "legacy-system", ["--queue", "\(prefix).legacy.callbacks"],
                environment: ["BATON_JOB_DURATION": "300ms"],
                queues: [system.names.jobQueue, "\(prefix).legacy.callbacks"])
            try await system.withClient { client in
                let sync = try await Seeds.register("seed2-sync", on: client, prefix: prefix)
                let execution = try await client.startExecution(sync, input: #"{"status": "success"}"#)
                #expect(try await client.waitForEnd(execution)["status"] == "SUCCEEDED")
            }
            try await legacy.waitForLog("job accepted")
            #expect(legacy.log().contains("heartbeat.s=2.4 "), "\(legacy.log())")
            #expect(legacy.log().contains("duration.s=0.3 "), "\(legacy.log())")
            #expect(system.orchestrator.log().contains("time.scale=10 "), "\(system.orchestrator.log())")
            for (name, log) in [("orchestrator", system.orchestrator.log()), ("legacy-system", legacy.log())] {
                for line in log.split(separator: "\n") where Self.hasFloatNoise(line) {
                    Issue.record("\(name) logged a number with a binary-fraction tail: \(line)")
                }
            }
        }
    }
}
