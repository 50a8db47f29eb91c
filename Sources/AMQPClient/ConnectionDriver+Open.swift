import CRabbitMQ
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

extension ConnectionDriver {
    /// Tries each endpoint once, in turn from ``nextEndpoint``, and stays on the first that opens. On failure
    /// the cursor has moved past every endpoint tried, so the next round starts where this one ended.
    /// - Throws: the endpoint's error when there is one endpoint, else an error naming every endpoint's failure.
    func openAnyEndpoint() throws(AMQPError) {
        let endpoints = configuration.endpoints
        var failures: [(endpoint: AMQPConfiguration.Endpoint, error: AMQPError)] = []
        for _ in endpoints.indices {
            let index = nextEndpoint % endpoints.count
            do {
                try open(endpoints[index])
                nextEndpoint = index
                return
            } catch {
                failures.append((endpoints[index], error))
                nextEndpoint = (index + 1) % endpoints.count
            }
        }
        guard failures.count > 1 else { throw failures[0].error }
        let refusedLogin = failures.first { $0.error.code == .authenticationFailed }
        throw AMQPError(
            refusedLogin?.error.code ?? failures[0].error.code,
            message: "no broker of the list accepted the connection: "
                + failures.map { "\($0.endpoint): \($0.error.message)" }.joined(separator: "; "),
            underlying: refusedLogin?.error ?? failures[0].error
        )
    }

    /// Opens socket, logs in, opens the publish channel in confirm mode, then restores the recorded topology
    /// and consumers. On failure nothing is left open.
    private func open(_ endpoint: AMQPConfiguration.Endpoint) throws(AMQPError) {
        guard let state = amqp_new_connection() else {
            throw AMQPError(.protocolError, message: "amqp_new_connection returned NULL")
        }
        do {
            try connectAndLogIn(state, endpoint)
        } catch {
            amqp_destroy_connection(state)
            throw error
        }
        connection = state
        pendingLoss = nil
        do {
            try openChannel(Channel.publish)
            _ = try check(amqp_confirm_select(state, Channel.publish), "amqp_confirm_select")
            _ = confirms.removeAll()
            try openChannel(Channel.rpc)
            rpcChannelOpen = true
            try restoreTopology()
            epoch += 1
            let epoch = self.epoch
            core.state.withLock {
                $0.connected = true
                $0.epoch = epoch
                $0.blocked = false
                $0.endpoint = endpoint
            }
            try restoreConsumers()
        } catch {
            amqp_destroy_connection(state)
            connection = nil
            rpcChannelOpen = false
            openConsumerChannels = []
            core.state.withLock {
                $0.connected = false
                $0.endpoint = nil
            }
            throw error
        }
        logger.debug("AMQP connection open", metadata: ["amqp.url": "\(configuration.redactedURL(of: endpoint))"])
    }

    private func connectAndLogIn(_ state: amqp_connection_state_t, _ endpoint: AMQPConfiguration.Endpoint)
        throws(AMQPError)
    {
        guard let socket = amqp_tcp_socket_new(state) else {
            throw AMQPError(.protocolError, message: "amqp_tcp_socket_new returned NULL")
        }
        var connectTimeout = timeval(configuration.connectTimeout)
        let status = amqp_socket_open_noblock(socket, endpoint.host, Int32(endpoint.port), &connectTimeout)
        guard status == AMQP_STATUS_OK.rawValue else {
            let reason = String(cString: amqp_error_string2(status))
            let code: AMQPError.Code = status == AMQP_STATUS_TIMEOUT.rawValue ? .timeout : .connectionRefused
            throw AMQPError(
                code,
                message:
                    "cannot connect to \(endpoint): \(reason) (amqp_socket_open_noblock)"
            )
        }
        if configuration.tcpKeepAlive {
            var one: Int32 = 1
            _ = setsockopt(amqp_get_sockfd(state), SOL_SOCKET, SO_KEEPALIVE, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        var handshakeTimeout = timeval(configuration.handshakeTimeout)
        _ = amqp_set_handshake_timeout(state, &handshakeTimeout)
        let arena = CArena()
        var properties = arena.table([
            "product": "Baton AMQPClient",
            "connection_name": .string(configuration.clientName),
            "capabilities": .table([
                "publisher_confirms": true,
                "exchange_exchange_bindings": true,
                "basic.nack": true,
                "consumer_cancel_notify": true,
                "connection.blocked": true,
                "authentication_failure_close": true,
            ]),
        ])
        let reply = baton_amqp_login_plain_with_properties(
            state,
            configuration.virtualHost,
            0,
            Int32(configuration.frameMax),
            Int32(configuration.heartbeatSeconds),
            &properties,
            configuration.user,
            configuration.password
        )
        withExtendedLifetime(arena) {}
        do {
            try check(reply, "amqp_login", connection: state)
        } catch {
            let refused =
                error.replyCode == UInt16(AMQP_ACCESS_REFUSED) || error.code == .connectionLost
                || error.code == .connectionClosed
            guard refused, error.code != .timeout else { throw error }
            throw AMQPError(
                .authenticationFailed,
                message: "login refused by \(endpoint): wrong user or password "
                    + "for vhost '\(configuration.virtualHost)' (user '\(configuration.user)')",
                replyCode: error.replyCode,
                replyText: error.replyText,
                underlying: error
            )
        }
        var rpcTimeout = timeval(configuration.rpcTimeout)
        _ = amqp_set_rpc_timeout(state, &rpcTimeout)
    }

    /// Opens `channel` (an RPC).
    func openChannel(_ channel: UInt16) throws(AMQPError) {
        _ = try check(amqp_channel_open(connection, channel), "amqp_channel_open", channel: channel)
    }

    /// Opens the RPC channel again if the broker closed it after a failed RPC.
    func ensureRPCChannel() throws(AMQPError) {
        guard !rpcChannelOpen else { return }
        try openChannel(Channel.rpc)
        rpcChannelOpen = true
    }

    private func restoreTopology() throws(AMQPError) {
        for exchange in topology.exchanges { try declareOnBroker(exchange) }
        for queue in topology.queues { _ = try declareOnBroker(queue, passive: false) }
        for binding in topology.bindings { try bindOnBroker(binding) }
    }

    private func restoreConsumers() throws(AMQPError) {
        for record in consumers.values.sorted(by: { $0.id < $1.id }) {
            do {
                try subscribeOnBroker(record)
            } catch {
                if pendingLoss != nil { throw error }
                consumers[record.id] = nil
                record.sink.finish(error)
            }
        }
    }
}

extension timeval {
    init(_ duration: Duration) {
        let components = duration.components
        self.init(
            tv_sec: Int(components.seconds),
            tv_usec: Int(components.attoseconds / 1_000_000_000_000)
        )
    }
}
