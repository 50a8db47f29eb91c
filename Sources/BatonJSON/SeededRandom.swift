/// The project's one seedable generator, SplitMix64: small, fast, and the same seed gives the same sequence on every
/// platform. States.MathRandom with a seed, a worker's reproducible fault decisions and the fuzz tests draw from it;
/// the trace ids use its mixing function over a shared counter (``mix(_:)``).
///
/// Not for secrets: tokens and keys come from the system's random source.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    /// The amount the state advances per draw (the golden ratio in 64 bits).
    public static let increment: UInt64 = 0x9E37_79B9_7F4A_7C15

    private var state: UInt64

    /// Creates a generator from a seed.
    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= Self.increment
        return Self.mix(state)
    }

    /// SplitMix64's output function: a well-mixed 64-bit value from a state.
    /// - Parameter state: the state after its increment.
    public static func mix(_ state: UInt64) -> UInt64 {
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform number in [0, 1).
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// True with probability `rate` (0 never, 1 always); always draws one number, so later draws do not depend on
    /// earlier rates.
    public mutating func chance(_ rate: Double) -> Bool {
        let draw = unit()
        return draw < rate
    }
}
