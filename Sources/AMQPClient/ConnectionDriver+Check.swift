import CRabbitMQ

/// The one funnel for rabbitmq-c results (STYLE rule 2): every call's status, reply or RPC result pointer
/// goes through `check`, which names the call and turns failures into ``AMQPError``. Errors that leave the
/// connection unusable are also recorded in `pendingLoss` so the loop reconnects.
extension ConnectionDriver {
    /// Checks a status code (`amqp_basic_publish`, `amqp_basic_ack`, frame waits...).
    func check(_ status: Int32, _ call: String) throws(AMQPError) {
        guard status != AMQP_STATUS_OK.rawValue else { return }
        throw recordIfFatal(Self.error(status: status, call: call))
    }

    /// Checks the result pointer of an RPC wrapper (`amqp_queue_declare`...): NULL means failure, and the
    /// reason is in `amqp_get_rpc_reply`.
    @discardableResult
    func check<T>(_ result: UnsafeMutablePointer<T>?, _ call: String, channel: UInt16 = Channel.rpc)
        throws(AMQPError) -> UnsafeMutablePointer<T>
    {
        if let result { return result }
        guard let connection else { throw AMQPError(.connectionLost, message: "\(call): not connected") }
        try check(amqp_get_rpc_reply(connection), call, channel: channel)
        throw recordIfFatal(AMQPError(.protocolError, message: "\(call) returned no result"))
    }

    /// Checks an `amqp_rpc_reply_t`. A broker channel or connection close is acknowledged (close-ok).
    func check(
        _ reply: amqp_rpc_reply_t, _ call: String, channel: UInt16 = Channel.rpc,
        connection: amqp_connection_state_t? = nil
    )
        throws(AMQPError)
    {
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            throw recordIfFatal(Self.error(status: reply.library_error, call: call))
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            let state = connection ?? self.connection
            switch reply.reply.id {
            case 0x0014_0028:  // channel.close
                let close = reply.reply.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
                var ok = amqp_channel_close_ok_t()
                if let state { _ = amqp_send_method(state, channel, 0x0014_0029, &ok) }
                channelClosedByBroker(channel)
                throw Self.closeError(
                    .channelClosed, code: close.reply_code, text: CDecoding.string(close.reply_text), call: call
                )
            case 0x000A_0032:  // connection.close
                let close = reply.reply.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
                var ok = amqp_connection_close_ok_t()
                if let state { _ = amqp_send_method(state, 0, 0x000A_0033, &ok) }
                throw recordIfFatal(
                    Self.closeError(
                        .connectionClosed, code: close.reply_code, text: CDecoding.string(close.reply_text), call: call
                    )
                )
            default:
                throw recordIfFatal(
                    AMQPError(.protocolError, message: "\(call): unexpected server method \(reply.reply.id)"))
            }
        default:
            throw recordIfFatal(AMQPError(.protocolError, message: "\(call): no RPC reply"))
        }
    }

    /// Builds the error for a broker close; 406 "message size exceeds" becomes `messageTooLarge`.
    static func closeError(_ code: AMQPError.Code, code replyCode: UInt16, text: String, call: String) -> AMQPError {
        let what = code == .channelClosed ? "channel" : "connection"
        if replyCode == 406 && text.contains("message size") {
            return AMQPError(
                .messageTooLarge,
                message: "\(call): the broker rejected the message size",
                replyCode: replyCode,
                replyText: text
            )
        }
        if replyCode == 403 && code == .connectionClosed {
            return AMQPError(
                .authenticationFailed, message: "\(call): access refused", replyCode: replyCode, replyText: text)
        }
        return AMQPError(code, message: "\(call): the broker closed the \(what)", replyCode: replyCode, replyText: text)
    }

    static func error(status: Int32, call: String) -> AMQPError {
        let text = String(cString: amqp_error_string2(status))
        let code: AMQPError.Code
        switch status {
        case AMQP_STATUS_TIMEOUT.rawValue: code = .timeout
        case AMQP_STATUS_CONNECTION_CLOSED.rawValue, AMQP_STATUS_SOCKET_ERROR.rawValue,
            AMQP_STATUS_SOCKET_CLOSED.rawValue, AMQP_STATUS_HEARTBEAT_TIMEOUT.rawValue,
            AMQP_STATUS_TCP_ERROR.rawValue, AMQP_STATUS_SSL_ERROR.rawValue:
            code = .connectionLost
        default: code = .protocolError
        }
        return AMQPError(code, message: "\(call) failed: \(text)")
    }

    /// Records errors after which the connection cannot be used (socket gone, broker closed it, frames lost).
    private func recordIfFatal(_ error: AMQPError) -> AMQPError {
        switch error.code {
        case .connectionLost, .connectionClosed, .protocolError, .timeout, .authenticationFailed:
            // An RPC timeout leaves a reply in flight that would be mistaken for the next one's.
            if pendingLoss == nil, connection != nil { pendingLoss = error }
        default: break
        }
        return error
    }
}
