import Foundation
import LocalProcesses

#if canImport(Glibc)
    import Glibc
#endif

/// A network namespace of its own joined to the host by one veth pair with private link-local addresses
/// (169.254.x.y/30: never routed off the machine), so a process run inside it reaches the broker only through
/// that pair — which ``cut()`` silences (every packet dropped on both ends, the link stays up, as in a real
/// partition: no reset, no "link down") and ``heal()`` restores. Needs root and iproute2 (`ip`, `tc`).
/// Names are unique per run; ``tearDown()`` deletes the namespace and the pair.
final class NetworkPartition: ChaosFixture {
    let namespace: String
    let hostInterface: String
    let namespaceInterface: String
    /// The host end's address: the broker listens here too.
    let hostAddress: String
    let namespaceAddress: String
    /// The AMQP heartbeat timeout the broker node proposes.
    let heartbeatSeconds: Int
    /// The broker node's data directory: fresh, so its rabbitmq.conf carries this run's listener.
    let brokerBase: URL
    private let ip: String
    private let tc: String

    private init(ip: String, tc: String, heartbeatSeconds: Int) {
        let id = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        namespace = "baton-part-\(id)"
        hostInterface = "bp\(id)h"
        namespaceInterface = "bp\(id)n"
        let third = Int.random(in: 200...250)
        let fourth = 4 * Int.random(in: 0..<63)
        hostAddress = "169.254.\(third).\(fourth + 1)"
        namespaceAddress = "169.254.\(third).\(fourth + 2)"
        self.heartbeatSeconds = heartbeatSeconds
        brokerBase = FileManager.default.temporaryDirectory.appendingPathComponent("baton-\(namespace)-rabbitmq")
        self.ip = ip
        self.tc = tc
    }

    /// Creates the namespace and the veth pair, addresses them and brings them up.
    /// - Throws: `ChaosError` saying what is missing when not root, without iproute2, or when a step fails (what
    ///   was created is removed again).
    static func create(heartbeatSeconds: Int) async throws -> NetworkPartition {
        guard geteuid() == 0 else {
            throw ChaosError(
                "network-partition needs root (it creates a network namespace, a veth pair and tc qdiscs); "
                    + "run baton chaos as root, or leave this scenario out")
        }
        guard let ip = executable("ip"), let tc = executable("tc") else {
            throw ChaosError("network-partition needs iproute2 (ip and tc); install it (apt-get install iproute2)")
        }
        var partition = NetworkPartition(ip: ip, tc: tc, heartbeatSeconds: heartbeatSeconds)
        // A /30 no interface of the host already uses (a few tries).
        let addresses = (try? await command([ip, "-4", "-o", "addr", "show"])) ?? ""
        var tries = 0
        while tries < 8 && addresses.contains(" " + partition.subnet) {
            partition = NetworkPartition(ip: ip, tc: tc, heartbeatSeconds: heartbeatSeconds)
            tries += 1
        }
        do {
            try await partition.build()
        } catch {
            await partition.tearDown()
            throw ChaosError("network-partition could not set up its network (needs root and netns support): \(error)")
        }
        return partition
    }

    private func build() async throws {
        let ns = namespace
        try await Self.command([ip, "netns", "add", ns])
        try await Self.command([ip, "link", "add", hostInterface, "type", "veth", "peer", "name", namespaceInterface])
        try await Self.command([ip, "link", "set", namespaceInterface, "netns", ns])
        try await Self.command([ip, "addr", "add", "\(hostAddress)/30", "dev", hostInterface])
        try await Self.command([ip, "link", "set", hostInterface, "up"])
        try await Self.command([ip, "-n", ns, "addr", "add", "\(namespaceAddress)/30", "dev", namespaceInterface])
        try await Self.command([ip, "-n", ns, "link", "set", namespaceInterface, "up"])
        try await Self.command([ip, "-n", ns, "link", "set", "lo", "up"])
    }

    /// The first three octets and a dot, e.g. `169.254.213.`.
    private var subnet: String { hostAddress.split(separator: ".").prefix(3).joined(separator: ".") + "." }

    var brokerEnvironment: [String: String] {
        [
            "BATON_RMQ_LISTEN": hostAddress, "BATON_RMQ_HEARTBEAT": "\(heartbeatSeconds)",
            "BATON_RMQ_BASE": brokerBase.path,
        ]
    }

    /// The command that runs an executable inside the namespace (`ip netns exec` execs it: same pid).
    var launcher: [String] { [ip, "netns", "exec", namespace] }

    /// Drops every packet leaving either end (a `pfifo` qdisc of length 0): nothing crosses, the link stays up.
    /// - Throws: `ChaosError` when tc fails.
    func cut() async throws {
        try await Self.command([tc, "qdisc", "add", "dev", hostInterface, "root", "pfifo", "limit", "0"])
        try await Self.command(
            launcher + [tc, "qdisc", "add", "dev", namespaceInterface, "root", "pfifo", "limit", "0"])
    }

    /// Removes the dropping qdiscs; returns how many packets they dropped.
    /// - Throws: `ChaosError` when tc fails.
    @discardableResult
    func heal() async throws -> Int {
        let dropped = await droppedPackets()
        try await Self.command([tc, "qdisc", "del", "dev", hostInterface, "root"])
        try await Self.command(launcher + [tc, "qdisc", "del", "dev", namespaceInterface, "root"])
        return dropped
    }

    /// Packets dropped so far by the cut on both ends.
    func droppedPackets() async -> Int {
        let host = (try? await Self.command([tc, "-s", "qdisc", "show", "dev", hostInterface])) ?? ""
        let inside = (try? await Self.command(launcher + [tc, "-s", "qdisc", "show", "dev", namespaceInterface])) ?? ""
        return [host, inside].map { text in
            guard let range = text.range(of: "dropped ") else { return 0 }
            return Int(text[range.upperBound...].prefix { $0.isNumber }) ?? 0
        }.reduce(0, +)
    }

    /// Deletes the namespace (and with it the pair) and the broker's data directory; never throws.
    func tearDown() async {
        _ = try? await Self.command([ip, "netns", "del", namespace])
        // The pair outlives the namespace while a process still runs in it: delete the host end explicitly.
        _ = try? await Self.command([ip, "link", "del", hostInterface])
        try? FileManager.default.removeItem(at: brokerBase)
    }

    private static func executable(_ name: String) -> String? {
        ["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map { "\($0)/\(name)" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    /// Runs a short command (20 s at most); returns its output.
    @discardableResult
    private static func command(_ argv: [String]) async throws -> String {
        try await chaosCommand(argv, deadline: .seconds(20))
    }
}
