import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The error every Baton process reports when it cannot reach RabbitMQ: the URL it tried (password hidden),
/// where that URL came from (`--amqp-url`, `BATON_AMQP_URL` or the built-in default) and how to set it, and the
/// URLs of the private nodes scripts/demo.sh or scripts/rabbitmq-node.sh are running in this checkout, if any.
///
/// ```
/// cannot reach RabbitMQ at amqp://guest:…@127.0.0.1:5672/%2f — the default; set BATON_AMQP_URL or --amqp-url
/// (connection refused). A private node of this checkout is running (scripts/rabbitmq-node.sh url):
///   export BATON_AMQP_URL='amqp://guest:guest@127.0.0.1:5679/%2f'    # node baton, scripts/demo.sh's
/// ```
public struct BrokerUnreachable: Error, CustomStringConvertible, Sendable {
    /// The URL tried, password hidden.
    public var redactedURL: String
    /// `--amqp-url`, `BATON_AMQP_URL` or `default`.
    public var source: String
    /// What the connection attempt said.
    public var reason: String
    /// Running private nodes of this checkout whose URL differs from the one tried.
    public var privateNodes: [PrivateNode]

    /// Describes a failed connection attempt.
    /// - Parameters:
    ///   - url: the URL (or comma-separated URLs) tried.
    ///   - source: where it came from: `--amqp-url`, `BATON_AMQP_URL` or `default`.
    ///   - error: the connection error.
    ///   - privateNodes: running private nodes (default: those found in this checkout).
    public init(url: String, source: String, error: any Error, privateNodes: [PrivateNode]? = nil) {
        redactedURL = Self.redacted(url)
        self.source = source
        reason = "\(error)"
        let tried = Set(url.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        self.privateNodes = (privateNodes ?? PrivateNode.running()).filter { !tried.contains($0.url) }
    }

    public var description: String {
        let origin =
            switch source {
            case "--amqp-url": "set by --amqp-url"
            case "BATON_AMQP_URL": "set by BATON_AMQP_URL (--amqp-url overrides it)"
            default: "the default; set BATON_AMQP_URL or --amqp-url"
            }
        var text = "cannot reach RabbitMQ at \(redactedURL) — \(origin) (\(reason))"
        if privateNodes.isEmpty {
            text += ". No private node of this checkout is running: scripts/demo.sh starts one and prints its URL; "
            text += "scripts/rabbitmq-node.sh url prints it again"
        } else {
            let one = privateNodes.count == 1
            text += ". \(one ? "A private node" : "Private nodes") of this checkout \(one ? "is" : "are") running "
            text += "(scripts/rabbitmq-node.sh url):"
            for node in privateNodes {
                text += "\n  export BATON_AMQP_URL='\(node.url)'    # node \(node.name)"
                if node.name == PrivateNode.demoNodeName { text += ", scripts/demo.sh's" }
            }
        }
        return text
    }

    /// `amqp://user:…@host:port/vhost`: the password replaced, each URL of a list alike.
    public static func redacted(_ url: String) -> String {
        url.split(separator: ",", omittingEmptySubsequences: false).map { part -> String in
            let text = String(part)
            guard let scheme = text.range(of: "://"), let at = text.lastIndex(of: "@"), at > scheme.upperBound else {
                return text
            }
            let credentials = text[scheme.upperBound..<at]
            let user = credentials.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
            return String(text[..<scheme.upperBound]) + user + ":…" + String(text[at...])
        }.joined(separator: ",")
    }
}

/// A RabbitMQ node that scripts/rabbitmq-node.sh started in this checkout (`.rabbitmq/<node>/`) and that is
/// still running: its wrapper process is alive and its `rabbitmq.conf` names its AMQP port.
public struct PrivateNode: Sendable, Hashable {
    /// The node's short name (`baton` for scripts/demo.sh's default node).
    public var name: String
    /// The AMQP port on 127.0.0.1.
    public var port: Int
    /// The node's URL, as `scripts/rabbitmq-node.sh url` prints it.
    public var url: String { "amqp://guest:guest@127.0.0.1:\(port)/%2f" }

    /// The node scripts/demo.sh starts unless `BATON_RMQ_NODE` says otherwise.
    public static let demoNodeName = "baton"

    /// The running private nodes under `.rabbitmq/` of the checkout above the running executable (or the
    /// current directory), the demo's first.
    public static func running() -> [PrivateNode] {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let current = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        var seen: Set<String> = []
        var nodes: [PrivateNode] = []
        for start in [executable.deletingLastPathComponent(), current] {
            guard let root = checkout(above: start), seen.insert(root.path).inserted else { continue }
            nodes += running(in: root.appendingPathComponent(".rabbitmq", isDirectory: true))
        }
        return nodes
    }

    /// The running nodes whose data directories are in `directory` (a checkout's `.rabbitmq`).
    public static func running(in directory: URL) -> [PrivateNode] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let nodes = names.compactMap { name -> PrivateNode? in
            let base = directory.appendingPathComponent(name, isDirectory: true)
            guard let pidText = try? String(contentsOf: base.appendingPathComponent("wrapper.pid"), encoding: .utf8),
                let pid = Int32(pidText.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0, kill(pid, 0) == 0,
                let conf = try? String(contentsOf: base.appendingPathComponent("rabbitmq.conf"), encoding: .utf8),
                let port = listenerPort(conf)
            else { return nil }
            return PrivateNode(name: name, port: port)
        }
        return nodes.sorted { ($0.name == demoNodeName ? 0 : 1, $0.name) < ($1.name == demoNodeName ? 0 : 1, $1.name) }
    }

    /// The port of `listeners.tcp.1 = 127.0.0.1:PORT` in a rabbitmq.conf.
    static func listenerPort(_ conf: String) -> Int? {
        for line in conf.split(separator: "\n") where line.hasPrefix("listeners.tcp.1") {
            if let colon = line.lastIndex(of: ":"), let port = Int(line[line.index(after: colon)...]) { return port }
        }
        return nil
    }

    /// The first directory at or above `start` that holds scripts/rabbitmq-node.sh.
    static func checkout(above start: URL) -> URL? {
        var directory = start.standardizedFileURL
        while directory.path != "/" {
            let script = directory.appendingPathComponent("scripts/rabbitmq-node.sh").path
            if FileManager.default.fileExists(atPath: script) { return directory }
            directory.deleteLastPathComponent()
        }
        return nil
    }
}
