import Foundation
import Synchronization

/// What the live pages learn from the engine without reading the store: the executions that finished, handed over
/// by the engine's `executionFinished` effect after their commit. Recording one is a counter increment and an
/// append under a lock (no store read, no await, nothing per connected console), so the hot path does not notice
/// it; each console's event stream looks at the counter at most once a second.
package final class ConsoleFeed: Sendable {
    /// One finished execution, as the engine reported it.
    package struct Finished: Sendable, Hashable {
        /// Its position in the feed, from 1.
        package var sequence: Int
        /// The execution's ARN.
        package var executionArn: String
        /// Its terminal status, e.g. `SUCCEEDED`.
        package var status: String
    }

    private struct Recent {
        var sequence = 0
        var items: [Finished] = []
    }

    private let recent = Mutex(Recent())
    private static let kept = 256

    /// Creates an empty feed.
    package init() {}

    /// Records a finished execution (the engine's effect calls this after the commit).
    package func finished(executionArn: String, status: String) {
        recent.withLock { recent in
            recent.sequence += 1
            recent.items.append(Finished(sequence: recent.sequence, executionArn: executionArn, status: status))
            if recent.items.count > Self.kept * 2 { recent.items.removeFirst(recent.items.count - Self.kept) }
        }
    }

    /// The number of executions recorded so far.
    package var sequence: Int { recent.withLock { $0.sequence } }

    /// The executions recorded after `sequence` that are still kept (the latest few hundred), oldest first.
    package func finished(after sequence: Int) -> [Finished] {
        recent.withLock { recent in recent.items.filter { $0.sequence > sequence } }
    }
}
