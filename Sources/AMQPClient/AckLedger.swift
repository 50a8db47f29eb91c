/// Which deliveries of one consumer channel are settled, so that the acks the application makes between two
/// writes leave as one `basic.ack` with `multiple` (connection thread only).
///
/// Delivery tags on a channel start at 1 and grow by one per delivery. Every tag below ``settledBelow`` is settled;
/// ``settledAbove`` holds tags at or above it that were settled one by one (a nack, a reject, an ack that could not
/// join a run). Acks are collected in ``pending`` and sent by ``flush()``: the run of tags contiguous from
/// `settledBelow` as one `basic.ack(T, multiple: true)`, whatever lies above a gap (a delivery still being worked on)
/// as single acks. A multiple ack settles at the broker every unacknowledged tag up to T; each tag of the run is
/// either acked now or already settled at the broker, so it settles exactly the tags the application acked. T itself
/// is always newly acked: RabbitMQ closes the channel for a multiple ack whose own tag it no longer holds.
struct AckLedger {
    /// One frame to send.
    enum Frame: Equatable {
        case ack(tag: UInt64, multiple: Bool)
    }

    /// Every tag below this is settled.
    private(set) var settledBelow: UInt64 = 1
    /// Tags at or above `settledBelow` already settled at the broker.
    private(set) var settledAbove: Set<UInt64> = []
    /// Tags the application acked since the last flush.
    private(set) var pending: [UInt64] = []

    /// Records an application ack of `tag`, sent at the next ``flush()``.
    mutating func ack(_ tag: UInt64) {
        guard tag >= settledBelow, !settledAbove.contains(tag) else { return }  // settled already: ignore
        pending.append(tag)
    }

    /// Records a settlement sent at once (nack, reject, or a multiple ack of the application's own); with
    /// `multiple`, every tag up to `tag` is settled.
    mutating func settledNow(_ tag: UInt64, multiple: Bool) {
        if multiple {
            guard tag >= settledBelow else { return }
            settledBelow = tag + 1
            settledAbove = settledAbove.filter { $0 > tag }
            pending.removeAll { $0 <= tag }
            advance()
        } else {
            pending.removeAll { $0 == tag }
            guard tag >= settledBelow else { return }
            settledAbove.insert(tag)
            advance()
        }
    }

    /// Whether acks wait to be sent.
    var hasPending: Bool { !pending.isEmpty }

    /// The frames that send every pending ack, fewest first: one multiple ack for the contiguous run, single acks
    /// for the rest.
    mutating func flush() -> [Frame] {
        guard !pending.isEmpty else { return [] }
        pending.sort()
        var frames: [Frame] = []
        var runEnd: UInt64?
        var index = 0
        while true {
            if settledAbove.remove(settledBelow) != nil {
                settledBelow += 1
            } else if index < pending.count, pending[index] == settledBelow {
                runEnd = settledBelow
                settledBelow += 1
                index += 1
                while index < pending.count, pending[index] < settledBelow { index += 1 }  // duplicates
            } else {
                break
            }
        }
        if let runEnd { frames.append(.ack(tag: runEnd, multiple: true)) }
        var previous: UInt64 = 0
        for tag in pending[index...] where tag != previous && tag >= settledBelow {
            frames.append(.ack(tag: tag, multiple: false))
            settledAbove.insert(tag)
            previous = tag
        }
        pending.removeAll(keepingCapacity: true)
        return frames
    }

    /// Moves `settledBelow` past tags already settled.
    private mutating func advance() {
        while settledAbove.remove(settledBelow) != nil { settledBelow += 1 }
    }
}
