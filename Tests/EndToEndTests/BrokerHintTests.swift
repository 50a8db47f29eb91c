import BatonTestSupport
import Foundation
import LocalProcesses
import Testing

/// The built `baton` and worker binaries, pointed at a port where no broker listens, say which setting chose the
/// URL and, when the test broker is a private node of this checkout (scripts/test.sh's), how to reach it.
@Suite(.serialized) struct BrokerHintTests {
    static let nowhere = "amqp://guest:guest@127.0.0.1:1/%2f"

    /// The `export` line the hint prints for the test broker, when it is a private node of this checkout.
    static func expectedExport() throws -> String? {
        let url = try TestBroker.url()
        let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let nodes = checkout.appendingPathComponent(".rabbitmq")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: nodes.path)) ?? []
        let own = names.contains { name in
            let conf = try? String(
                contentsOf: nodes.appendingPathComponent(name).appendingPathComponent("rabbitmq.conf"), encoding: .utf8)
            return url.contains(":\(conf?.split(separator: ":").last?.prefix { $0.isNumber } ?? "-")/")
        }
        return own ? "export BATON_AMQP_URL='\(url)'" : nil
    }

    @Test func theCLISaysWhichFlagSetTheURLAndWhereTheRunningNodeIs() async throws {
        let run = try await CLIRun.baton(["list-executions", "--amqp-url", Self.nowhere], environment: [:])
        #expect(run.status != 0)
        #expect(run.stderr.contains("cannot reach RabbitMQ at amqp://guest:…@127.0.0.1:1/%2f — set by --amqp-url"))
        if let export = try Self.expectedExport() {
            #expect(run.stderr.contains(export), "\(run.stderr)")
        }
    }

    @Test func aWorkerSaysWhichVariableSetTheURL() async throws {
        let process = try ManagedProcess(
            "worker-function", environment: ["BATON_AMQP_URL": Self.nowhere, "BATON_QUEUE_PREFIX": "hint"],
            logDirectory: FileManager.default.temporaryDirectory)
        try await waitUntil(deadline: .seconds(30), interval: .milliseconds(50), "worker-function to give up") {
            !process.isRunning
        }
        #expect(process.log().contains("set by BATON_AMQP_URL (--amqp-url overrides it)"), "\(process.log())")
    }
}
