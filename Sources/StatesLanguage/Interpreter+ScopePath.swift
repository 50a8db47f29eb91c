import Foundation

/// Where a state runs inside an execution: empty at the top level, else one step per enclosing Parallel branch or
/// Map iteration, outermost first.
///
/// `Fan[1]/Items[3]` is iteration 3 of Map `Items` inside branch 1 of Parallel `Fan`.
public struct ScopePath: Sendable, Hashable, Codable, CustomStringConvertible {
    /// One enclosing Parallel branch or Map iteration.
    public struct Step: Sendable, Hashable, Codable {
        /// The Parallel or Map state's name.
        public var state: String
        /// The branch index (Parallel) or item index (Map).
        public var index: Int

        /// Creates a step.
        public init(state: String, index: Int) {
            self.state = state
            self.index = index
        }
    }

    /// The steps, outermost first.
    public var steps: [Step]

    /// The top level.
    public static let root = ScopePath(steps: [])

    /// Creates a path from its steps.
    public init(steps: [Step]) { self.steps = steps }

    /// Whether this is the top level.
    public var isRoot: Bool { steps.isEmpty }

    /// The enclosing scope; the root's parent is the root.
    public var parent: ScopePath { ScopePath(steps: Array(steps.dropLast())) }

    /// The scope of branch or item `index` of the state `state` running in this scope.
    public func appending(_ state: String, _ index: Int) -> ScopePath {
        ScopePath(steps: steps + [Step(state: state, index: index)])
    }

    /// Whether `self` is `other` or lies inside it.
    public func isWithin(_ other: ScopePath) -> Bool {
        steps.count >= other.steps.count && Array(steps.prefix(other.steps.count)) == other.steps
    }

    /// `Fan[1]/Items[3]`; empty for the root.
    public var description: String {
        steps.map { "\($0.state)[\($0.index)]" }.joined(separator: "/")
    }

    /// Encodes as a flat `[state, index, state, index…]` string array (compact in persisted state).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(steps.map { [$0.state, String($0.index)] }.flatMap { $0 })
    }

    /// Decodes the flat `[state, index, state, index…]` form.
    public init(from decoder: any Decoder) throws {
        let flat = try decoder.singleValueContainer().decode([String].self)
        guard flat.count % 2 == 0 else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "odd scope path"))
        }
        var steps: [Step] = []
        for pair in stride(from: 0, to: flat.count, by: 2) {
            guard let index = Int(flat[pair + 1]) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad index"))
            }
            steps.append(Step(state: flat[pair], index: index))
        }
        self.steps = steps
    }
}
