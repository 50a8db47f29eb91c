import Foundation
import Testing

@testable import BatonRuntime

/// The message of a process that cannot reach RabbitMQ names the setting that chose the URL and the private nodes
/// of the checkout that are running (scripts/demo.sh's first), found from their `.rabbitmq/<node>/` files.
@Suite struct BrokerUnreachableTests {
    struct Refused: Error, CustomStringConvertible { var description: String { "connection refused" } }

    /// A checkout's `.rabbitmq` with a live node `baton` (this process's pid), a live `other`, and a dead one.
    func fakeNodes() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nodes-\(UUID().uuidString)")
        let live = "\(ProcessInfo.processInfo.processIdentifier)"
        for (name, pid, port) in [("other", live, 5790), ("baton", live, 5679), ("stale", "999999999", 5700)] {
            let base = directory.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
            try "\(pid)\n".write(to: base.appendingPathComponent("wrapper.pid"), atomically: true, encoding: .utf8)
            try "listeners.tcp.1 = 127.0.0.1:\(port)\nloopback_users = none\n".write(
                to: base.appendingPathComponent("rabbitmq.conf"), atomically: true, encoding: .utf8)
        }
        return directory
    }

    @Test func runningPrivateNodesAreFoundDemoFirst() throws {
        let directory = try fakeNodes()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(
            PrivateNode.running(in: directory) == [
                PrivateNode(name: "baton", port: 5679), PrivateNode(name: "other", port: 5790),
            ])
    }

    @Test(arguments: [
        ("default", "the default; set BATON_AMQP_URL or --amqp-url"),
        ("BATON_AMQP_URL", "set by BATON_AMQP_URL (--amqp-url overrides it)"),
        ("--amqp-url", "set by --amqp-url"),
    ])
    func theMessageNamesTheSettingAndTheRunningNodes(source: String, origin: String) {
        let error = BrokerUnreachable(
            url: "amqp://guest:secret@127.0.0.1:5672/%2f", source: source, error: Refused(),
            privateNodes: [PrivateNode(name: "baton", port: 5679)])
        let text = error.description
        #expect(
            text.hasPrefix(
                "cannot reach RabbitMQ at amqp://guest:…@127.0.0.1:5672/%2f — \(origin) (connection refused)"))
        #expect(!text.contains("secret"))
        #expect(
            text.contains(
                "export BATON_AMQP_URL='amqp://guest:guest@127.0.0.1:5679/%2f'    # node baton, scripts/demo.sh's"))
        #expect(text.contains("scripts/rabbitmq-node.sh url"))
    }

    @Test func withoutARunningNodeItSaysHowToGetOne() {
        let error = BrokerUnreachable(
            url: "amqp://u:p@h:1/%2f,amqp://u:p@h:2/%2f", source: "default", error: Refused(), privateNodes: [])
        #expect(error.redactedURL == "amqp://u:…@h:1/%2f,amqp://u:…@h:2/%2f")
        #expect(error.description.contains("No private node of this checkout is running: scripts/demo.sh starts one"))
    }

    @Test func theNodeThatWasTriedIsNotSuggested() {
        let node = PrivateNode(name: "baton", port: 5679)
        let error = BrokerUnreachable(url: node.url, source: "BATON_AMQP_URL", error: Refused(), privateNodes: [node])
        #expect(error.privateNodes.isEmpty)
    }
}
