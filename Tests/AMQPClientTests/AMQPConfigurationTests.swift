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
