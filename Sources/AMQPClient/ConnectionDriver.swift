import CRabbitMQ
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Owns one rabbitmq-c connection and the thread that drives it (STYLE rule 3).
///
/// Every stored property is touched only by the connection thread (the one running ``run(onOpen:)``), which is
/// what makes the `@unchecked Sendable` safe: other threads reach the driver only through ``ConnectionCore``
/// commands, whose closures run on that thread.
final class ConnectionDriver: @unchecked Sendable {
    enum Channel {
        static let publish: UInt16 = 1
        static let rpc: UInt16 = 2
        /// Consumer `n` uses channel `consumerBase + n`.
        static let consumerBase: UInt16 = 2
    }

    struct ConsumerRecord {
        let id: UInt16
        let queue: String
        let prefetch: UInt16
        let tag: String
        let sink: DeliverySink
        var channel: UInt16 { Channel.consumerBase + id }
    }

    let configuration: AMQPConfiguration
    let logger: Logger
    let core: ConnectionCore

    var connection: amqp_connection_state_t?
    var epoch: UInt64 = 0
    var confirms = PendingConfirms()
    var blockedSince: ContinuousClock.Instant?
    /// When confirms last made progress: a confirm arrived, the first publish began waiting, or the broker
    /// unblocked the connection (see ``AMQPConfiguration/confirmDeadline``).
    var confirmProgress: ContinuousClock.Instant = .now
    var blockedPublishes: [(request: PublishRequest, deadline: ContinuousClock.Instant)] = []
    var consumers: [UInt16: ConsumerRecord] = [:]
    var openConsumerChannels: Set<UInt16> = []
    /// The lease of each open consumer channel (a new one each time the channel opens) and its acks.
    var channelLeases: [UInt16: UInt64] = [:]
    var nextLease: UInt64 = 1
    var ackLedgers: [UInt16: AckLedger] = [:]
    /// Channels whose ledger holds acks to send at the end of this round of commands.
    var channelsWithAcks: [UInt16] = []
    /// Complete deliveries read in this pass over the socket, per consumer id, handed over together at its end.
    var pendingDeliveries: [UInt16: [AMQPDelivery]] = [:]
    var nextConsumerID: UInt16 = 1
    var topology = RecordedTopology()
    var rpcChannelOpen = false
    var assembly: ContentAssembly?
    /// Set by the check funnel when an error means the connection is unusable; the loop then reconnects.
    var pendingLoss: AMQPError?
    /// Index into `configuration.endpoints`: the endpoint connected to, or the next one to try.
    var nextEndpoint = 0

    init(configuration: AMQPConfiguration, logger: Logger, core: ConnectionCore) {
        self.configuration = configuration
        self.logger = logger
        self.core = core
    }

    private enum Outcome {
        case lost(AMQPError)
        case close(done: @Sendable () -> Void)
    }

    /// The thread body: connect once (reporting the result), then serve and reconnect until closed.
    func run(onOpen: @Sendable (Result<Void, AMQPError>) -> Void) {
        do {
            try openAnyEndpoint()
        } catch {
            core.state.withLock { $0.closed = true }
            onOpen(.failure(error))
            for command in core.takeCommands() { command.fail(error) }
            return
        }
        onOpen(.success(()))
        var done: (@Sendable () -> Void)?
        lifetime: while true {
            switch serve() {
            case .close(let closeDone):
                done = closeDone
                break lifetime
            case .lost(let error):
                dropConnection(error)
                // The lost node is tried last: a stopped cluster node refuses at once, but a vanished host
                // would cost a connect timeout first.
                let lost = configuration.endpoints[nextEndpoint]
                nextEndpoint = (nextEndpoint + 1) % configuration.endpoints.count
                var delay = configuration.reconnectBackoff.initial
                while true {
                    if let closeDone = waitWhileDisconnected(delay) {
                        done = closeDone
                        break lifetime
                    }
                    do {
                        try openAnyEndpoint()
                        core.state.withLock { $0.reconnects += 1 }
                        let endpoint = configuration.endpoints[nextEndpoint]
                        logger.info(
                            endpoint == lost ? "AMQP connection re-established" : "AMQP connection failed over",
                            metadata: [
                                "amqp.url": "\(configuration.redactedURL(of: endpoint))",
                                "amqp.lost": "\(lost)",
                            ])
                        break
                    } catch {
                        logger.info(
                            "AMQP reconnect failed",
                            metadata: ["error": "\(error)", "retry.delay": "\(delay)"]
                        )
                        delay = configuration.reconnectBackoff.nextDelay(after: delay)
                    }
                }
            }
        }
        shutDown()
        done?()
    }

    /// Serves commands and frames until the connection is lost or closed.
    private func serve() -> Outcome {
        guard let connection else { return .lost(AMQPError(.connectionLost, message: "not connected")) }
        let socket = amqp_get_sockfd(connection)
        var socketReady = true
        var fds = [
            pollfd(fd: socket, events: Int16(POLLIN), revents: 0),
            pollfd(fd: core.wake.fd, events: Int16(POLLIN), revents: 0),
        ]
        do throws(AMQPError) {
            while true {
                let commands = core.takeCommands()
                do {
                    // Several publishes and settlements at once: hold their frames in the kernel and send them as
                    // few segments — fewer packets for the broker to take apart. Never while a `perform` runs: it
                    // may wait for the broker's answer to a request that must leave first (a declare).
                    var corked = false
                    defer { if corked { _ = Self.cork(socket, false) } }
                    for (index, command) in commands.enumerated() {
                        if case .perform = command {
                            // Acks made before it leave before it: it may cancel their consumer.
                            sendPendingAcks()
                            if corked { corked = !Self.cork(socket, false) }
                        } else if !corked, index + 1 < commands.count || command.writesSeveralFrames {
                            corked = Self.cork(socket, true)
                        }
                        if case .close(let done) = command {
                            sendPendingAcks()
                            settleRest(
                                commands[(index + 1)...], AMQPError(.closed, message: "the connection has been closed")
                            )
                            return .close(done: done)
                        }
                        execute(command)
                        if index + 1 == commands.count { sendPendingAcks() }
                        if let loss = pendingLoss {
                            // The rest of this batch was taken from the queue already: fail it here, or its callers
                            // would wait forever (a close among it still closes).
                            let lost = AMQPError(
                                .connectionLost, message: "the connection to the broker was lost; reconnecting",
                                underlying: loss)
                            if let done = settleRest(commands[(index + 1)...], lost) { return .close(done: done) }
                            throw loss
                        }
                    }
                }
                if socketReady || amqp_frames_enqueued(connection) != 0 || amqp_data_in_buffer(connection) != 0 {
                    defer { handOverDeliveries() }
                    try pumpFrames()
                    socketReady = false
                }
                if let loss = pendingLoss { throw loss }
                expireBlockedPublishes(now: .now)
                try checkConfirmProgress(now: .now)
                if !commands.isEmpty || !core.prepareToSleep() { continue }
                fds[0].revents = 0
                fds[1].revents = 0
                let ready = poll(&fds, 2, pollTimeoutMilliseconds())
                core.awake()
                if fds[1].revents != 0 { core.wake.drain() }
                // A timeout also pumps: that is when rabbitmq-c sends and checks heartbeats.
                socketReady = ready == 0 || fds[0].revents != 0
            }
        } catch {
            return .lost(error)
        }
    }

    /// Sets or clears `TCP_CORK` on the connection's socket (`TCP_NOPUSH` on Apple's systems, which have no
    /// `TCP_CORK`; Package.swift declares macOS); `false` when the socket refused.
    private static func cork(_ socket: Int32, _ on: Bool) -> Bool {
        var value: Int32 = on ? 1 : 0
        #if canImport(Darwin)
            let option = TCP_NOPUSH
        #else
            let option = TCP_CORK
        #endif
        return setsockopt(socket, Int32(IPPROTO_TCP), option, &value, socklen_t(MemoryLayout<Int32>.size)) == 0
    }

    /// Fails commands taken from the queue but not run; returns the first close's callback among them, if any.
    @discardableResult
    private func settleRest(_ rest: ArraySlice<Command>, _ error: AMQPError) -> (@Sendable () -> Void)? {
        var close: (@Sendable () -> Void)?
        for command in rest {
            if case .close(let done) = command, close == nil {
                close = done
            } else {
                command.fail(error)
            }
        }
        return close
    }

    private func pollTimeoutMilliseconds() -> Int32 {
        var timeout: Int64 = configuration.heartbeatSeconds > 0 ? Int64(configuration.heartbeatSeconds) * 250 : 1000
        if let first = blockedPublishes.first {
            let remaining = ContinuousClock.now.duration(to: first.deadline).components
            timeout = min(timeout, max(0, remaining.seconds * 1000 + remaining.attoseconds / 1_000_000_000_000_000 + 1))
        }
        if let deadline = confirmCheckDeadline {
            let remaining = ContinuousClock.now.duration(to: deadline).components
            timeout = min(timeout, max(0, remaining.seconds * 1000 + remaining.attoseconds / 1_000_000_000_000_000 + 1))
        }
        return Int32(max(10, min(timeout, 60_000)))
    }

    /// Reads and handles every frame available now, without blocking.
    func pumpFrames() throws(AMQPError) {
        guard let connection else { return }
        // 1 µs rather than 0: with a zero timeout rabbitmq-c never checks the receive-heartbeat deadline.
        var timeout = timeval(tv_sec: 0, tv_usec: 1)
        while true {
            var frame = amqp_frame_t()
            let status = amqp_simple_wait_frame_noblock(connection, &frame, &timeout)
            if status == AMQP_STATUS_TIMEOUT.rawValue { return }
            try check(status, "amqp_simple_wait_frame_noblock")
            try handle(frame)
            amqp_maybe_release_buffers(connection)
        }
    }

    private func execute(_ command: Command) {
        switch command {
        case .publish(let request): publish(request)
        case .publishBatch(let requests): for request in requests { publish(request) }
        case .perform(let body, _): body(self)
        case .settle(let request): settle(request)
        case .close(let done): done()
        }
    }

    /// Hands every delivery read in this pass to its consumer, one batch per consumer.
    func handOverDeliveries() {
        guard !pendingDeliveries.isEmpty else { return }
        let ready = pendingDeliveries
        pendingDeliveries.removeAll(keepingCapacity: true)
        for (id, deliveries) in ready {
            if let record = consumers[id] {
                record.sink.deliver(deliveries)
            } else {
                // Cancelled in between: give them back to the queue.
                for delivery in deliveries {
                    rejectUnwanted(delivery.deliveryTag, channel: delivery.acknowledger.channel)
                }
            }
        }
    }

    /// Returns a delivery nobody consumes any more to its queue.
    func rejectUnwanted(_ deliveryTag: UInt64, channel: UInt16) {
        guard let connection, openConsumerChannels.contains(channel) else { return }
        _ = amqp_basic_reject(connection, channel, deliveryTag, 1)
        ackLedgers[channel]?.settledNow(deliveryTag, multiple: false)
    }

    /// Sends the acks collected in this round of commands: per channel one multiple ack where the tags allow it.
    func sendPendingAcks() {
        guard !channelsWithAcks.isEmpty else { return }
        let channels = channelsWithAcks
        channelsWithAcks.removeAll(keepingCapacity: true)
        for channel in channels {
            guard let connection, var ledger = ackLedgers[channel] else { continue }
            let frames = ledger.flush()
            ackLedgers[channel] = ledger
            for case .ack(let tag, let multiple) in frames {
                do {
                    try check(amqp_basic_ack(connection, channel, tag, multiple ? 1 : 0), "amqp_basic_ack")
                } catch {
                    logger.debug("ack failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    private func settle(_ request: SettleRequest) {
        let channel = request.channel
        guard let connection, request.epoch == epoch, openConsumerChannels.contains(channel),
            channelLeases[channel] == request.lease, var ledger = ackLedgers[channel]
        else {
            logger.debug(
                "dropping a settlement for a stale delivery",
                metadata: ["amqp.delivery_tag": "\(request.deliveryTags.first ?? 0)"])
            return
        }
        defer { ackLedgers[channel] = ledger }
        do {
            switch request.settlement {
            case .ack(multiple: false):
                let had = ledger.hasPending
                for tag in request.deliveryTags { ledger.ack(tag) }
                if !had, ledger.hasPending { channelsWithAcks.append(channel) }
            case .ack(multiple: true):
                for tag in request.deliveryTags {
                    try check(amqp_basic_ack(connection, channel, tag, 1), "amqp_basic_ack")
                    ledger.settledNow(tag, multiple: true)
                }
            case .nack(let multiple, let requeue):
                for tag in request.deliveryTags {
                    try check(
                        amqp_basic_nack(connection, channel, tag, multiple ? 1 : 0, requeue ? 1 : 0), "amqp_basic_nack")
                    ledger.settledNow(tag, multiple: multiple)
                }
            case .reject(let requeue):
                for tag in request.deliveryTags {
                    try check(amqp_basic_reject(connection, channel, tag, requeue ? 1 : 0), "amqp_basic_reject")
                    ledger.settledNow(tag, multiple: false)
                }
            }
        } catch {
            logger.debug("settlement failed", metadata: ["error": "\(error)"])
        }
    }

    /// Waits `delay` before the next reconnect attempt, failing commands that arrive meanwhile.
    /// Returns the close callback if the application closed the connection.
    private func waitWhileDisconnected(_ delay: Duration) -> (@Sendable () -> Void)? {
        let deadline = ContinuousClock.now.advanced(by: delay)
        let lost = AMQPError(.connectionLost, message: "the connection to the broker is down; reconnecting")
        while true {
            for command in core.takeCommands() {
                if case .close(let done) = command { return done }
                command.fail(lost)
            }
            let now = ContinuousClock.now
            if now >= deadline { return nil }
            guard core.prepareToSleep() else { continue }
            let remaining = now.duration(to: deadline).components
            let milliseconds = remaining.seconds * 1000 + remaining.attoseconds / 1_000_000_000_000_000 + 1
            var fd = pollfd(fd: core.wake.fd, events: Int16(POLLIN), revents: 0)
            _ = poll(&fd, 1, Int32(min(milliseconds, 60_000)))
            core.awake()
            if fd.revents != 0 { core.wake.drain() }
        }
    }

    /// Forgets the dead connection and fails everything that depended on it.
    private func dropConnection(_ error: AMQPError) {
        logger.info("AMQP connection lost", metadata: ["error": "\(error)"])
        core.state.withLock {
            $0.connected = false
            $0.blocked = false
            $0.endpoint = nil
        }
        if let connection { amqp_destroy_connection(connection) }
        connection = nil
        pendingLoss = nil
        assembly = nil
        rpcChannelOpen = false
        openConsumerChannels = []
        channelLeases = [:]
        ackLedgers = [:]
        channelsWithAcks = []
        pendingDeliveries = [:]
        let lost = AMQPError(
            .connectionLost,
            message: "the connection was lost before the broker confirmed the message; republish it",
            underlying: error
        )
        for entry in confirms.removeAll() { entry.completion(.failure(lost)) }
        failBlockedPublishes(lost)
        blockedSince = nil
    }

    /// Closes the connection politely and ends every stream (application close).
    private func shutDown() {
        core.state.withLock {
            $0.closed = true
            $0.connected = false
            $0.endpoint = nil
        }
        let closed = AMQPError(.closed, message: "the connection has been closed")
        for command in core.takeCommands() { command.fail(closed) }
        for entry in confirms.removeAll() { entry.completion(.failure(closed)) }
        failBlockedPublishes(closed)
        for record in consumers.values { record.sink.finish(nil) }
        consumers = [:]
        if let connection {
            _ = amqp_connection_close(connection, Int32(AMQP_REPLY_SUCCESS))
            amqp_destroy_connection(connection)
        }
        connection = nil
    }
}
