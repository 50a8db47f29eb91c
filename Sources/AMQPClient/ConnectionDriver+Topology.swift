import CRabbitMQ
import Logging

/// Synchronous broker RPCs, run on the connection thread. Topology goes through the RPC channel so a
/// failing declaration never disturbs the publish or consumer channels.
extension ConnectionDriver {
    func declareOnBroker(_ exchange: ExchangeDeclaration) throws(AMQPError) {
        try ensureRPCChannel()
        let arena = CArena()
        let result = amqp_exchange_declare(
            connection, Channel.rpc, arena.bytes(exchange.name), arena.bytes(exchange.type), 0,
            exchange.durable ? 1 : 0, exchange.autoDelete ? 1 : 0, exchange.internal ? 1 : 0,
            arena.table(exchange.arguments)
        )
        try check(result, "amqp_exchange_declare")
    }

    /// Declares (or with `passive`, only checks) a queue; returns its message and consumer counts.
    func declareOnBroker(_ queue: QueueDeclaration, passive: Bool) throws(AMQPError) -> (messages: Int, consumers: Int)
    {
        try ensureRPCChannel()
        let arena = CArena()
        let result = amqp_queue_declare(
            connection, Channel.rpc, arena.bytes(queue.name), passive ? 1 : 0, queue.durable ? 1 : 0,
            queue.exclusive ? 1 : 0, queue.autoDelete ? 1 : 0, passive ? amqp_empty_table : arena.table(queue.arguments)
        )
        let ok = try check(result, "amqp_queue_declare").pointee
        return (Int(ok.message_count), Int(ok.consumer_count))
    }

    func bindOnBroker(_ binding: QueueBinding) throws(AMQPError) {
        try ensureRPCChannel()
        let arena = CArena()
        let result = amqp_queue_bind(
            connection, Channel.rpc, arena.bytes(binding.queue), arena.bytes(binding.exchange),
            arena.bytes(binding.routingKey), arena.table(binding.arguments)
        )
        try check(result, "amqp_queue_bind")
    }

    func unbindOnBroker(_ binding: QueueBinding) throws(AMQPError) {
        try ensureRPCChannel()
        let arena = CArena()
        let result = amqp_queue_unbind(
            connection, Channel.rpc, arena.bytes(binding.queue), arena.bytes(binding.exchange),
            arena.bytes(binding.routingKey), arena.table(binding.arguments)
        )
        try check(result, "amqp_queue_unbind")
    }

    func deleteQueueOnBroker(_ name: String, ifUnused: Bool, ifEmpty: Bool) throws(AMQPError) -> Int {
        try ensureRPCChannel()
        let arena = CArena()
        let result = amqp_queue_delete(connection, Channel.rpc, arena.bytes(name), ifUnused ? 1 : 0, ifEmpty ? 1 : 0)
        return Int(try check(result, "amqp_queue_delete").pointee.message_count)
    }

    func purgeQueueOnBroker(_ name: String) throws(AMQPError) -> Int {
        try ensureRPCChannel()
        let arena = CArena()
        let result = amqp_queue_purge(connection, Channel.rpc, arena.bytes(name))
        return Int(try check(result, "amqp_queue_purge").pointee.message_count)
    }

    func deleteExchangeOnBroker(_ name: String, ifUnused: Bool) throws(AMQPError) {
        try ensureRPCChannel()
        let arena = CArena()
        try check(
            amqp_exchange_delete(connection, Channel.rpc, arena.bytes(name), ifUnused ? 1 : 0), "amqp_exchange_delete")
    }

    /// Opens the consumer's channel, sets its prefetch and starts consuming.
    func subscribeOnBroker(_ record: ConsumerRecord) throws(AMQPError) {
        let channel = record.channel
        if !openConsumerChannels.contains(channel) {
            try openChannel(channel)
            openConsumerChannels.insert(channel)
            channelLeases[channel] = nextLease
            nextLease += 1
            ackLedgers[channel] = AckLedger()
        }
        do {
            try check(amqp_basic_qos(connection, channel, 0, record.prefetch, 0), "amqp_basic_qos", channel: channel)
            let arena = CArena()
            let result = amqp_basic_consume(
                connection, channel, arena.bytes(record.queue), arena.bytes(record.tag), 0, 0, 0, amqp_empty_table
            )
            try check(result, "amqp_basic_consume", channel: channel)
        } catch {
            closeConsumerChannel(channel)
            throw error
        }
    }

    /// Registers and starts a consumer; it is re-subscribed after every reconnect.
    func addConsumer(
        queue: String,
        prefetch: UInt16,
        sink: DeliverySink
    ) throws(AMQPError) -> UInt16 {
        var id = nextConsumerID
        while consumers[id] != nil || id == 0 { id &+= 1 }
        nextConsumerID = id &+ 1
        let record = ConsumerRecord(
            id: id, queue: queue, prefetch: prefetch, tag: "baton.consumer.\(id)", sink: sink
        )
        try subscribeOnBroker(record)
        consumers[id] = record
        return id
    }

    /// Cancels a consumer; unacknowledged deliveries go back to the queue when its channel closes.
    func removeConsumer(_ id: UInt16) {
        guard let record = consumers.removeValue(forKey: id) else { return }
        record.sink.finish(nil)
        guard connection != nil, openConsumerChannels.contains(record.channel) else { return }
        let arena = CArena()
        do {
            try check(
                amqp_basic_cancel(connection, record.channel, arena.bytes(record.tag)), "amqp_basic_cancel",
                channel: record.channel)
        } catch {
            logger.debug("basic.cancel failed", metadata: ["error": "\(error)"])
        }
        closeConsumerChannel(record.channel)
    }

    func closeConsumerChannel(_ channel: UInt16) {
        guard openConsumerChannels.remove(channel) != nil, let connection else { return }
        channelLeases[channel] = nil
        ackLedgers[channel] = nil
        let reply = amqp_channel_close(connection, channel, Int32(AMQP_REPLY_SUCCESS))
        do { try check(reply, "amqp_channel_close", channel: channel) } catch {
            logger.debug("channel.close failed", metadata: ["error": "\(error)"])
        }
    }
}
