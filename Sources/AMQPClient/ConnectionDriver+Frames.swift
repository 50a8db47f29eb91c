import CRabbitMQ
import Logging
import Synchronization

/// A message whose method frame arrived and whose header and body frames are being collected.
struct ContentAssembly {
    enum Kind {
        case deliver(consumerTag: String, deliveryTag: UInt64, redelivered: Bool)
        case `return`(replyCode: UInt16, replyText: String)
    }
    var kind: Kind
    var channel: UInt16
    var exchange: String
    var routingKey: String
    var properties = AMQPProperties()
    var expected = -1
    var body: [UInt8] = []
}

extension ConnectionDriver {
    /// Handles one frame; everything the frame points to is copied out before returning.
    func handle(_ frame: amqp_frame_t) throws(AMQPError) {
        switch Int32(frame.frame_type) {
        case AMQP_FRAME_METHOD:
            try handleMethod(frame.payload.method, channel: frame.channel)
        case AMQP_FRAME_HEADER:
            guard var assembly, assembly.channel == frame.channel, assembly.expected < 0 else { return }
            let properties = frame.payload.properties
            if let decoded = properties.decoded {
                assembly.properties = CDecoding.properties(
                    decoded.assumingMemoryBound(to: amqp_basic_properties_t.self).pointee)
            }
            assembly.expected = Int(properties.body_size)
            assembly.body.reserveCapacity(assembly.expected)
            try finishIfComplete(assembly)
        case AMQP_FRAME_BODY:
            guard var assembly, assembly.channel == frame.channel, assembly.expected >= 0 else { return }
            let fragment = frame.payload.body_fragment
            if fragment.len > 0, let bytes = fragment.bytes {
                self.assembly = nil  // keep the body uniquely referenced while appending
                assembly.body.append(contentsOf: UnsafeRawBufferPointer(start: bytes, count: fragment.len))
            }
            try finishIfComplete(assembly)
        default:
            break
        }
    }

    private func finishIfComplete(_ assembly: ContentAssembly) throws(AMQPError) {
        guard assembly.expected >= 0, assembly.body.count >= assembly.expected else {
            self.assembly = assembly
            return
        }
        self.assembly = nil
        switch assembly.kind {
        case .deliver(let consumerTag, let deliveryTag, let redelivered):
            let id = consumerID(fromTag: consumerTag)
            guard let id, let record = consumers[id], let lease = channelLeases[record.channel] else {
                // The consumer was cancelled locally; give the message back.
                rejectUnwanted(deliveryTag, channel: assembly.channel)
                return
            }
            let delivery = AMQPDelivery(
                body: assembly.body,
                properties: assembly.properties,
                exchange: assembly.exchange,
                routingKey: assembly.routingKey,
                redelivered: redelivered,
                deliveryTag: deliveryTag,
                consumerTag: consumerTag,
                acknowledger: .init(core: core, epoch: epoch, channel: record.channel, lease: lease)
            )
            pendingDeliveries[id, default: []].append(delivery)
        case .return(let replyCode, let replyText):
            let error = AMQPError(
                .unroutable,
                message: "the broker returned the message: no queue is bound for exchange '\(assembly.exchange)' "
                    + "and routing key '\(assembly.routingKey)'",
                replyCode: replyCode,
                replyText: replyText
            )
            if !confirms.markReturned(exchange: assembly.exchange, routingKey: assembly.routingKey, error: error) {
                logger.debug(
                    "basic.return without a matching mandatory publish",
                    metadata: ["amqp.routing_key": "\(assembly.routingKey)"])
            }
        }
    }

    private func handleMethod(_ method: amqp_method_t, channel: UInt16) throws(AMQPError) {
        let decoded = method.decoded
        switch method.id {
        case 0x003C_0050:  // basic.ack
            let ack = decoded!.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
            confirmProgress = .now
            complete(confirms.settle(tag: ack.delivery_tag, multiple: ack.multiple != 0, acked: true))
        case 0x003C_0078:  // basic.nack
            let nack = decoded!.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
            confirmProgress = .now
            complete(confirms.settle(tag: nack.delivery_tag, multiple: nack.multiple != 0, acked: false))
        case 0x003C_003C:  // basic.deliver
            let deliver = decoded!.assumingMemoryBound(to: amqp_basic_deliver_t.self).pointee
            assembly = ContentAssembly(
                kind: .deliver(
                    consumerTag: CDecoding.string(deliver.consumer_tag),
                    deliveryTag: deliver.delivery_tag,
                    redelivered: deliver.redelivered != 0
                ),
                channel: channel,
                exchange: CDecoding.string(deliver.exchange),
                routingKey: CDecoding.string(deliver.routing_key)
            )
        case 0x003C_0032:  // basic.return
            let returned = decoded!.assumingMemoryBound(to: amqp_basic_return_t.self).pointee
            assembly = ContentAssembly(
                kind: .return(replyCode: returned.reply_code, replyText: CDecoding.string(returned.reply_text)),
                channel: channel,
                exchange: CDecoding.string(returned.exchange),
                routingKey: CDecoding.string(returned.routing_key)
            )
        case 0x003C_001E:  // basic.cancel from the broker (queue deleted, node down...)
            let cancel = decoded!.assumingMemoryBound(to: amqp_basic_cancel_t.self).pointee
            if let id = consumerID(fromTag: CDecoding.string(cancel.consumer_tag)), let record = consumers[id] {
                consumers[id] = nil
                record.sink.finish(
                    AMQPError(
                        .consumerCancelled, message: "the broker cancelled the consumer of queue '\(record.queue)'")
                )
                closeConsumerChannel(record.channel)
            }
        case 0x0014_0028:  // channel.close
            let close = decoded!.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            var ok = amqp_channel_close_ok_t()
            try check(amqp_send_method(connection, channel, 0x0014_0029, &ok), "amqp_send_method(channel.close-ok)")
            let error = Self.closeError(
                .channelClosed, code: close.reply_code, text: CDecoding.string(close.reply_text),
                call: "channel \(channel)"
            )
            logger.info(
                "AMQP channel closed by the broker", metadata: ["amqp.channel": "\(channel)", "error": "\(error)"])
            channelClosedByBroker(channel, error: error)
        case 0x000A_0032:  // connection.close
            let close = decoded!.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            var ok = amqp_connection_close_ok_t()
            _ = amqp_send_method(connection, 0, 0x000A_0033, &ok)
            throw Self.closeError(
                .connectionClosed, code: close.reply_code, text: CDecoding.string(close.reply_text), call: "connection"
            )
        case 0x000A_003C:  // connection.blocked
            let reason = CDecoding.string(
                decoded!.assumingMemoryBound(to: amqp_connection_blocked_t.self).pointee.reason)
            logger.info("AMQP connection blocked by the broker", metadata: ["reason": "\(reason)"])
            blockedSince = .now
            core.state.withLock { $0.blocked = true }
        case 0x000A_003D:  // connection.unblocked
            logger.info("AMQP connection unblocked")
            blockedSince = nil
            confirmProgress = .now  // the time blocked does not count against the confirms
            core.state.withLock { $0.blocked = false }
            try releaseBlockedPublishes()
        default:
            break  // consume-ok, cancel-ok, qos-ok arriving late, ...
        }
    }

    private func complete(_ settled: [(PendingConfirms.Entry, Result<Void, AMQPError>)]) {
        for (entry, result) in settled { entry.completion(result) }
    }

    /// Reacts to the broker closing `channel` (close-ok already sent).
    func channelClosedByBroker(_ channel: UInt16, error: AMQPError? = nil) {
        if channel == Channel.rpc {
            rpcChannelOpen = false
        } else if channel == Channel.publish {
            let error = error ?? AMQPError(.channelClosed, message: "the publish channel was closed")
            for entry in confirms.removeAll() { entry.completion(.failure(error)) }
            do {
                try openChannel(Channel.publish)
                try check(
                    amqp_confirm_select(connection, Channel.publish), "amqp_confirm_select", channel: Channel.publish)
            } catch {
                if pendingLoss == nil { pendingLoss = error }
            }
        } else {
            openConsumerChannels.remove(channel)
            channelLeases[channel] = nil
            ackLedgers[channel] = nil
            if let error, let record = consumers[channel - Channel.consumerBase] {
                consumers[record.id] = nil
                record.sink.finish(error)
            }
        }
    }

    func consumerID(fromTag tag: String) -> UInt16? {
        guard let dot = tag.lastIndex(of: "."), tag[..<dot] == "baton.consumer" else { return nil }
        return UInt16(tag[tag.index(after: dot)...])
    }
}
