/// Publishes awaiting their confirm, by publish sequence number (connection thread only).
///
/// Sequence numbers start at 1 after `confirm.select` and grow by one per publish, so entries live in an
/// array indexed by `sequence - base`; settled entries become nil and the front is trimmed as it settles.
struct PendingConfirms {
    struct Entry {
        var completion: @Sendable (Result<Void, AMQPError>) -> Void
        var mandatory: Bool
        var exchange: String
        var routingKey: String
        /// Set when a basic.return for this publish arrived; its ack then reports this error.
        var returned: AMQPError?
    }

    private var entries: [Entry?] = []
    private var head = 0
    private var base: UInt64 = 1

    /// The sequence number the next publish will get.
    var nextSequence: UInt64 { base + UInt64(entries.count) }

    /// Number of unconfirmed publishes.
    private(set) var count = 0

    mutating func append(_ entry: Entry) {
        entries.append(entry)
        count += 1
    }

    /// Settles `tag` (and everything before it when `multiple`); returns what to complete, in order.
    mutating func settle(tag: UInt64, multiple: Bool, acked: Bool) -> [(Entry, Result<Void, AMQPError>)] {
        guard tag >= base, tag - base < UInt64(entries.count) else { return [] }
        let last = Int(tag - base)
        let first = multiple ? head : last
        var settled: [(Entry, Result<Void, AMQPError>)] = []
        for index in first...last {
            guard let entry = entries[index] else { continue }
            entries[index] = nil
            count -= 1
            let result: Result<Void, AMQPError>
            if let returned = entry.returned {
                result = .failure(returned)
            } else if acked {
                result = .success(())
            } else {
                result = .failure(AMQPError(.nacked, message: "the broker nacked the message; republish it"))
            }
            settled.append((entry, result))
        }
        trim()
        return settled
    }

    /// Marks the oldest unsettled mandatory publish to `exchange`/`routingKey` as returned.
    ///
    /// basic.return carries no sequence number; RabbitMQ sends it before the ack of the same publish and
    /// handles publishes of one channel in order, so the oldest matching one is the returned one.
    mutating func markReturned(exchange: String, routingKey: String, error: AMQPError) -> Bool {
        var fallback: Int?
        for index in head..<entries.count {
            guard let entry = entries[index], entry.mandatory, entry.returned == nil else { continue }
            if entry.exchange == exchange && entry.routingKey == routingKey {
                entries[index]!.returned = error
                return true
            }
            if fallback == nil { fallback = index }
        }
        if let fallback {
            entries[fallback]!.returned = error
            return true
        }
        return false
    }

    /// Removes and returns every unsettled entry and restarts numbering at 1 (new channel).
    mutating func removeAll() -> [Entry] {
        let remaining = entries[head...].compactMap { $0 }
        entries = []
        head = 0
        base = 1
        count = 0
        return remaining
    }

    private mutating func trim() {
        while head < entries.count, entries[head] == nil { head += 1 }
        if head == entries.count {
            base += UInt64(head)
            entries.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 4096 {
            base += UInt64(head)
            entries.removeFirst(head)
            head = 0
        }
    }
}
