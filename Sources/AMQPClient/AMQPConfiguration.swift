import Foundation

/// Everything needed to open and keep an AMQP connection, as a value (STYLE rule 5).
///
/// Create it from a URL with ``init(url:)`` and adjust the fields; every field has a documented default.
public struct AMQPConfiguration: Sendable, Hashable {
    /// How reconnect attempts are spaced: capped exponential backoff.
    public struct Backoff: Sendable, Hashable {
        /// Delay before the first reconnect attempt. Default 100 ms.
        public var initial: Duration
        /// Upper bound for the delay between attempts. Default 5 s.
        public var maximum: Duration
        /// Factor applied to the delay after each failed attempt. Default 2.
        public var multiplier: Double

        /// Creates a backoff policy.
        /// - Parameters:
        ///   - initial: first delay.
        ///   - maximum: cap.
        ///   - multiplier: growth factor (≥ 1).
        public init(initial: Duration = .milliseconds(100), maximum: Duration = .seconds(5), multiplier: Double = 2) {
            self.initial = initial
            self.maximum = maximum
            self.multiplier = max(1, multiplier)
        }

        /// The delay that follows `delay` after one more failed attempt.
        /// - Parameter delay: the previous delay.
        public func nextDelay(after delay: Duration) -> Duration {
            min(maximum, delay * multiplier)
        }
    }

    /// One broker address (a node of a cluster).
    public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
        /// Host name or address.
        public var host: String
        /// AMQP port.
        public var port: Int

        /// Creates an endpoint.
        /// - Parameters:
        ///   - host: host name or address.
        ///   - port: AMQP port.
        public init(host: String = "127.0.0.1", port: Int = 5672) {
            self.host = host
            self.port = port
        }

        /// `host:port` (IPv6 addresses in brackets).
        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    /// The broker addresses, in the order they are tried: on connect, and again on every reconnect, the
    /// connection tries each in turn until one accepts it, starting after the node it lost (so a stopped node
    /// is tried last). Never empty: an empty list means the default `127.0.0.1:5672`. Default one endpoint.
    public var endpoints: [Endpoint] = [Endpoint()] {
        didSet { if endpoints.isEmpty { endpoints = [Endpoint()] } }
    }

    /// The first endpoint's host name or address. Default `127.0.0.1`.
    public var host: String {
        get { endpoints[0].host }
        set { endpoints[0].host = newValue }
    }

    /// The first endpoint's port. Default 5672.
    public var port: Int {
        get { endpoints[0].port }
        set { endpoints[0].port = newValue }
    }
    /// SASL PLAIN user. Default `guest`.
    public var user: String = "guest"
    /// SASL PLAIN password. Default `guest`.
    public var password: String = "guest"
    /// Virtual host. Default `/`.
    public var virtualHost: String = "/"
    /// Heartbeat interval in seconds proposed to the broker (0 disables). Default 30.
    public var heartbeatSeconds: Int = 30
    /// TCP connect timeout. Default 5 s.
    public var connectTimeout: Duration = .seconds(5)
    /// AMQP handshake (login) timeout. Default 10 s.
    public var handshakeTimeout: Duration = .seconds(10)
    /// Timeout for synchronous RPCs (declare, bind, purge, consume...). Default 30 s.
    public var rpcTimeout: Duration = .seconds(30)
    /// Maximum frame size proposed to the broker. Default 131072.
    public var frameMax: Int = 131_072
    /// Turn on `SO_KEEPALIVE` on the socket. Default true.
    public var tcpKeepAlive: Bool = true
    /// Connection name shown in the management UI (`connection_name` client property). Default `baton`.
    public var clientName: String = "baton"
    /// Reconnect backoff.
    public var reconnectBackoff: Backoff = Backoff()
    /// How long a publish waits while the broker has blocked the connection before failing with
    /// ``AMQPError/Code/blocked``. Default 10 s.
    public var blockedPublishDeadline: Duration = .seconds(10)
    /// How long publishes may wait for the broker's confirms with none arriving (and the connection not blocked)
    /// before the connection counts as hung: it is dropped and reconnected, and the waiting publishes fail with
    /// ``AMQPError/Code/connectionLost`` so their callers republish them. A broker that hangs with its socket open
    /// (a frozen VM, a stuck node) would otherwise hold them until TCP gave up, hours later, and heartbeats alone
    /// do not catch it when they are off or long. `.zero` turns the check off. Default 30 s.
    public var confirmDeadline: Duration = .seconds(30)
    /// Largest body accepted by ``AMQPConnection/publish(_:exchange:routingKey:mandatory:properties:)``,
    /// checked before sending. Default 128 MiB (RabbitMQ's default `max_message_size`).
    public var maxMessageSize: Int = 128 * 1024 * 1024

    /// Creates a configuration with all defaults (guest@127.0.0.1:5672, vhost `/`).
    public init() {}

    /// Parses `amqp://user:pass@host:port/vhost`, or a comma-separated list of such URLs (one per node of a
    /// cluster) that share user, password and vhost.
    ///
    /// User, password and vhost are percent-decoded (`%2f` is `/`); an empty or missing path means vhost `/`.
    /// A missing port means 5672, a missing user info means guest/guest.
    /// - Parameter url: the URL, or URLs separated by commas.
    /// - Throws: ``AMQPError`` with code ``AMQPError/Code/invalidConfiguration`` if a URL is malformed or the
    ///   URLs of a list disagree on user, password or vhost.
    public init(url: String) throws(AMQPError) {
        let parts = url.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        var parsed: [ParsedURL] = []
        for part in parts { parsed.append(try ParsedURL(part)) }
        let first = parsed[0]
        for other in parsed.dropFirst()
        where other.user != first.user || other.password != first.password || other.virtualHost != first.virtualHost {
            throw AMQPError(
                .invalidConfiguration,
                message: "invalid AMQP URL list: every URL must use the same user, password and vhost")
        }
        user = first.user
        password = first.password
        virtualHost = first.virtualHost
        endpoints = parsed.map(\.endpoint)
    }

    /// One parsed `amqp://` URL.
    private struct ParsedURL {
        var user = "guest"
        var password = "guest"
        var endpoint = Endpoint()
        var virtualHost = "/"

        init(_ url: String) throws(AMQPError) {
            func invalid(_ why: String) -> AMQPError {
                AMQPError(.invalidConfiguration, message: "invalid AMQP URL: \(why)")
            }
            guard !url.isEmpty else { throw invalid("empty (check the commas of the list)") }
            guard let schemeEnd = url.range(of: "://") else { throw invalid("missing scheme (amqp://...)") }
            let scheme = url[..<schemeEnd.lowerBound].lowercased()
            guard scheme == "amqp" else { throw invalid("unsupported scheme '\(scheme)' (only amqp is supported)") }
            var rest = Substring(url[schemeEnd.upperBound...])
            var path: Substring = ""
            if let slash = rest.firstIndex(of: "/") {
                path = rest[rest.index(after: slash)...]
                rest = rest[..<slash]
            }
            var authority = rest
            if let at = rest.lastIndex(of: "@") {
                let userInfo = rest[..<at]
                authority = rest[rest.index(after: at)...]
                if let colon = userInfo.firstIndex(of: ":") {
                    user = try AMQPConfiguration.percentDecoded(userInfo[..<colon])
                    password = try AMQPConfiguration.percentDecoded(userInfo[userInfo.index(after: colon)...])
                } else {
                    user = try AMQPConfiguration.percentDecoded(userInfo)
                }
            }
            if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
                endpoint.host = String(authority[authority.index(after: authority.startIndex)..<close])
                authority = authority[authority.index(after: close)...]
                if authority.hasPrefix(":") {
                    guard let value = Int(authority.dropFirst()), (1...65535).contains(value) else {
                        throw invalid("bad port")
                    }
                    endpoint.port = value
                }
            } else if let colon = authority.lastIndex(of: ":") {
                endpoint.host = String(authority[..<colon])
                guard let value = Int(authority[authority.index(after: colon)...]), (1...65535).contains(value)
                else {
                    throw invalid("bad port")
                }
                endpoint.port = value
            } else {
                endpoint.host = String(authority)
            }
            if endpoint.host.isEmpty { endpoint.host = "127.0.0.1" }
            if let query = path.firstIndex(of: "?") { path = path[..<query] }
            virtualHost = path.isEmpty ? "/" : try AMQPConfiguration.percentDecoded(path)
        }
    }

    private static func percentDecoded(_ text: Substring) throws(AMQPError) -> String {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                throw AMQPError(.invalidConfiguration, message: "invalid AMQP URL: bad percent escape")
            }
            bytes.append(high << 4 | low)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The URL (every endpoint's, comma-separated) without the password, for logs.
    public var redactedURL: String { endpoints.map(redactedURL(of:)).joined(separator: ",") }

    /// The URL of one endpoint without the password, for logs.
    /// - Parameter endpoint: the endpoint.
    public func redactedURL(of endpoint: Endpoint) -> String {
        "amqp://\(user)@\(endpoint)/\(virtualHost == "/" ? "%2f" : virtualHost)"
    }
}
