extension AMQPConnection {
    /// Declares an exchange and remembers it for re-declaration after a reconnect.
    /// - Parameter exchange: the exchange.
    /// - Throws: ``AMQPError`` (`channelClosed` with 406 if it exists with other settings).
    public func declare(_ exchange: ExchangeDeclaration) async throws(AMQPError) {
        try await perform { driver throws(AMQPError) in
            try driver.declareOnBroker(exchange)
            driver.topology.record(exchange)
        }
    }

    /// Declares a queue and remembers it for re-declaration after a reconnect.
    /// - Parameter queue: the queue.
    /// - Returns: the number of messages ready in the queue and its number of consumers.
    /// - Throws: ``AMQPError`` (`channelClosed` with 406 if it exists with other arguments;
    ///   `invalidConfiguration`, before asking the broker, for a quorum queue that is not durable or is
    ///   exclusive or auto-delete, which RabbitMQ refuses).
    @discardableResult
    public func declare(_ queue: QueueDeclaration) async throws(AMQPError) -> (messages: Int, consumers: Int) {
        if queue.arguments["x-queue-type"] == .string(QueueType.quorum.name)
            && (!queue.durable || queue.exclusive || queue.autoDelete)
        {
            throw AMQPError(
                .invalidConfiguration,
                message: "quorum queue \(queue.name) must be durable, not exclusive and not auto-delete")
        }
        return try await perform { driver throws(AMQPError) in
            let counts = try driver.declareOnBroker(queue, passive: false)
            driver.topology.record(queue)
            return counts
        }
    }

    /// Binds a queue to an exchange and remembers the binding.
    /// - Parameter binding: the binding.
    /// - Throws: ``AMQPError`` (`channelClosed` with 404 if the queue or exchange is missing).
    public func bind(_ binding: QueueBinding) async throws(AMQPError) {
        try await perform { driver throws(AMQPError) in
            try driver.bindOnBroker(binding)
            driver.topology.record(binding)
        }
    }

    /// Removes a binding and forgets it.
    /// - Parameter binding: the binding.
    /// - Throws: ``AMQPError``.
    public func unbind(_ binding: QueueBinding) async throws(AMQPError) {
        try await perform { driver throws(AMQPError) in
            try driver.unbindOnBroker(binding)
            driver.topology.bindings.removeAll { $0 == binding }
        }
    }

    /// Returns the number of ready messages and consumers of an existing queue (passive declare).
    /// - Parameter queue: the queue name.
    /// - Throws: ``AMQPError`` (`channelClosed` with 404 if the queue does not exist).
    public func queueStatus(_ queue: String) async throws(AMQPError) -> (messages: Int, consumers: Int) {
        try await perform { driver throws(AMQPError) in
            try driver.declareOnBroker(QueueDeclaration(name: queue), passive: true)
        }
    }

    /// Deletes a queue and forgets it and its bindings.
    /// - Parameters:
    ///   - queue: the queue name.
    ///   - ifUnused: only if it has no consumers.
    ///   - ifEmpty: only if it has no messages.
    /// - Returns: the number of messages deleted with it.
    /// - Throws: ``AMQPError``.
    @discardableResult
    public func deleteQueue(_ queue: String, ifUnused: Bool = false, ifEmpty: Bool = false) async throws(AMQPError)
        -> Int
    {
        try await perform { driver throws(AMQPError) in
            driver.topology.forgetQueue(queue)
            return try driver.deleteQueueOnBroker(queue, ifUnused: ifUnused, ifEmpty: ifEmpty)
        }
    }

    /// Removes every ready message from a queue.
    /// - Parameter queue: the queue name.
    /// - Returns: the number of messages purged.
    /// - Throws: ``AMQPError``.
    @discardableResult
    public func purgeQueue(_ queue: String) async throws(AMQPError) -> Int {
        try await perform { driver throws(AMQPError) in try driver.purgeQueueOnBroker(queue) }
    }

    /// Deletes an exchange and forgets it and its bindings.
    /// - Parameters:
    ///   - exchange: the exchange name.
    ///   - ifUnused: only if it has no bindings.
    /// - Throws: ``AMQPError``.
    public func deleteExchange(_ exchange: String, ifUnused: Bool = false) async throws(AMQPError) {
        try await perform { driver throws(AMQPError) in
            driver.topology.forgetExchange(exchange)
            try driver.deleteExchangeOnBroker(exchange, ifUnused: ifUnused)
        }
    }
}
