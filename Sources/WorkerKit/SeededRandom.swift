import BatonProtocol

/// A small, fast, seedable generator (SplitMix64): the same seed gives the same sequence on every platform, so a
/// worker's fault decisions are reproducible.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates a generator from a seed.
    public init(seed: UInt64) {
        state = seed
    }

    /// A generator for one task: the process seed mixed with what identifies the delivery (its message id, or
    /// its state, attempt and body), so each task's decisions are the same whatever order tasks arrive in.
    public init(seed: UInt64, task: IncomingTask) {
        var hash = FNV1a()  // over the identity, each part closed by 0xff so parts cannot run together
        func mix(_ bytes: some Sequence<UInt8>) {
            hash.combine(bytes)
            hash.combine(byte: 0xff)
        }
        if let id = task.delivery.message.messageID {
            mix(id.utf8)
        } else {
            mix((task.executionArn ?? "").utf8)
            mix((task.stateName ?? "").utf8)
            mix(task.body)
        }
        mix(String(task.attempt ?? 0).utf8)
        // A redelivery draws afresh: a crash decided for the first delivery is not replayed forever.
        mix((task.delivery.redelivered ? "r" : "f").utf8)
        mix(task.header("x-delivery-count")?.utf8 ?? "".utf8)
        self.init(seed: seed ^ hash.value)
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// A uniform number in [0, 1).
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// True with probability `rate` (0 never, 1 always); always draws one number, so later draws do not
    /// depend on earlier rates.
    public mutating func chance(_ rate: Double) -> Bool {
        let draw = unit()
        return draw < rate
    }
}
