import AMQPClient
import Testing

@Suite struct AMQPConfigurationTests {
    @Test func urlIsParsedAndPercentDecoded() throws {
        let configuration = try AMQPConfiguration(url: "amqp://us%40er:p%3Ass@broker.example:5679/%2f")
        #expect(configuration.user == "us@er")
        #expect(configuration.password == "p:ss")
        #expect(configuration.host == "broker.example")
        #expect(configuration.port == 5679)
        #expect(configuration.virtualHost == "/")
    }

    @Test func emptyPathMeansRootVirtualHostAndDefaultsApply() throws {
        let configuration = try AMQPConfiguration(url: "amqp://localhost")
        #expect(configuration.virtualHost == "/")
        #expect(configuration.port == 5672)
        #expect(configuration.user == "guest")
        #expect(configuration.heartbeatSeconds == 30)
        let named = try AMQPConfiguration(url: "amqp://a:b@h:1/baton")
        #expect(named.virtualHost == "baton")
    }

    @Test func malformedURLsAreRejected() {
        for url in ["http://h/", "amqp://h:notaport/", "amqp://h:70000", "amqp://u:%zz@h/"] {
            #expect(throws: AMQPError.self, "\(url)") { try AMQPConfiguration(url: url) }
        }
    }

    @Test func backoffGrowsAndIsCapped() {
        let backoff = AMQPConfiguration.Backoff(initial: .milliseconds(100), maximum: .milliseconds(350), multiplier: 2)
        var delay = backoff.initial
        var delays: [Duration] = []
        for _ in 0..<4 {
            delays.append(delay)
            delay = backoff.nextDelay(after: delay)
        }
        #expect(delays == [.milliseconds(100), .milliseconds(200), .milliseconds(350), .milliseconds(350)])
    }
}

@Suite struct EndpointListTests {
    @Test func commaSeparatedURLsBecomeEndpointsInOrder() throws {
        let configuration = try AMQPConfiguration(
            url: "amqp://u:p@node1:5701/baton, amqp://u:p@node2:5702/baton,amqp://u:p@[::1]:5703/baton")
        #expect(
            configuration.endpoints == [
                .init(host: "node1", port: 5701), .init(host: "node2", port: 5702), .init(host: "::1", port: 5703),
            ])
        #expect(configuration.user == "u" && configuration.password == "p" && configuration.virtualHost == "baton")
        #expect(configuration.host == "node1" && configuration.port == 5701)
        #expect(
            configuration.redactedURL == "amqp://u@node1:5701/baton,amqp://u@node2:5702/baton,amqp://u@[::1]:5703/baton"
        )
        #expect(!configuration.redactedURL.contains(":p@"))
    }

    @Test func hostAndPortEditTheFirstEndpointOnly() throws {
        var configuration = try AMQPConfiguration(url: "amqp://a:5701,amqp://b:5702")
        configuration.port = 1
        #expect(configuration.endpoints == [.init(host: "a", port: 1), .init(host: "b", port: 5702)])
        configuration.endpoints = []
        #expect(configuration.endpoints == [.init(host: "127.0.0.1", port: 5672)])
    }

    @Test func listsMustShareCredentialsAndHaveNoEmptyEntries() {
        for url in [
            "amqp://u:p@a/v,amqp://u:q@b/v", "amqp://u:p@a/v,amqp://u:p@b/w", "amqp://a,", "amqp://a,,amqp://b",
        ] {
            #expect(throws: AMQPError.self, "\(url)") { try AMQPConfiguration(url: url) }
        }
    }
}
