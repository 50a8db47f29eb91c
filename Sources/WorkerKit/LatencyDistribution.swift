import BatonJSON
import Foundation

/// How long a simulated piece of work takes: fixed, uniform, exponential or lognormal.
///
/// Text form: `fixed:50ms`, `uniform:10ms..200ms`, `exp:mean=50ms`, `lognormal:median=50ms,sigma=0.5`;
/// durations as in ``DurationText``.
public enum LatencyDistribution: Sendable, Hashable, CustomStringConvertible {
    /// Always the same.
    case fixed(Duration)
    /// Uniform between two bounds.
    case uniform(Duration, Duration)
    /// Exponential with a mean (memoryless arrivals).
    case exponential(mean: Duration)
    /// Lognormal with a median and the standard deviation `sigma` of the underlying normal (long tails).
    case lognormal(median: Duration, sigma: Double)

    /// Parses the text form.
    /// - Throws: ``KnobError`` naming what is wrong.
    public init(parsing text: String) throws(KnobError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let colon = trimmed.firstIndex(of: ":") else {
            // A bare duration means fixed.
            self = .fixed(try DurationText.parse(trimmed))
            return
        }
        let kind = trimmed[..<colon].lowercased()
        let rest = String(trimmed[trimmed.index(after: colon)...])
        let fields = Self.fields(rest)
        switch kind {
        case "fixed":
            self = .fixed(try DurationText.parse(rest))
        case "uniform":
            let bounds = rest.components(separatedBy: "..")
            guard bounds.count == 2 else { throw KnobError("uniform latency needs 'uniform:LOW..HIGH', not '\(text)'") }
            let low = try DurationText.parse(bounds[0]), high = try DurationText.parse(bounds[1])
            guard low <= high else { throw KnobError("uniform latency bounds are reversed in '\(text)'") }
            self = .uniform(low, high)
        case "exp", "exponential":
            guard let mean = fields["mean"] else { throw KnobError("exponential latency needs 'exp:mean=D'") }
            self = .exponential(mean: try DurationText.parse(mean))
        case "lognormal":
            guard let median = fields["median"] else { throw KnobError("lognormal latency needs 'median=D'") }
            let sigmaText = fields["sigma"] ?? "0.5"
            guard let sigma = Double(sigmaText), sigma >= 0 else { throw KnobError("sigma must be a number ≥ 0") }
            self = .lognormal(median: try DurationText.parse(median), sigma: sigma)
        default:
            throw KnobError("unknown latency distribution '\(kind)'; use fixed, uniform, exp or lognormal")
        }
    }

    /// Draws one latency.
    public func sample(using random: inout SeededRandom) -> Duration {
        switch self {
        case .fixed(let value):
            return value
        case .uniform(let low, let high):
            return low + (high - low) * random.unit()
        case .exponential(let mean):
            return .seconds(-log(1 - random.unit()) * DurationText.seconds(mean))
        case .lognormal(let median, let sigma):
            // Box–Muller for one standard normal draw.
            let u1 = max(random.unit(), .leastNonzeroMagnitude), u2 = random.unit()
            let normal = (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
            return .seconds(DurationText.seconds(median) * exp(sigma * normal))
        }
    }

    public var description: String {
        switch self {
        case .fixed(let value): "fixed:\(value)"
        case .uniform(let low, let high): "uniform:\(low)..\(high)"
        case .exponential(let mean): "exp:mean=\(mean)"
        case .lognormal(let median, let sigma): "lognormal:median=\(median),sigma=\(sigma)"
        }
    }

    private static func fields(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for part in text.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1)
            if pair.count == 2 { fields[pair[0].trimmingCharacters(in: .whitespaces).lowercased()] = String(pair[1]) }
        }
        return fields
    }
}

/// Durations in text: `250ms`, `2s`, `1.5s`, `100us`, `3m`, `1h`; a bare number is seconds.
public enum DurationText {
    /// Parses a duration.
    /// - Throws: ``KnobError`` for anything else, or a negative value.
    public static func parse(_ text: String) throws(KnobError) -> Duration {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("ms", 1e-3), ("us", 1e-6), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, scale) in units where trimmed.hasSuffix(suffix) {
            if let number = Double(trimmed.dropLast(suffix.count)), number >= 0, number.isFinite {
                return .seconds(number * scale)
            }
        }
        if let number = Double(trimmed), number >= 0, number.isFinite { return .seconds(number) }
        throw KnobError("'\(text)' is not a duration (e.g. 250ms, 2s, 1.5s, 3m)")
    }

    /// A duration as decimal seconds.
    public static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}

/// A worker knob, latency or script that cannot be understood.
public struct KnobError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, with the offending text.
    public var description: String

    /// Creates an error.
    public init(_ description: String) { self.description = description }
}
