import Foundation
import Synchronization

/// The one thread every ``LaunchedProcess`` is spawned from. It never exits: Linux delivers a child's parent-death
/// signal when the thread that spawned it ends, so a spawn from a pool thread that the runtime later retires would
/// kill a healthy child.
final class SpawnThread: Sendable {
    static let shared = SpawnThread()

    private struct Queue {
        var jobs: [@Sendable () -> Void] = []
    }
    private let condition = NSCondition()
    private let queue = Mutex(Queue())

    private init() {
        let thread = Thread { [self] in loop() }
        thread.name = "baton-spawn"
        thread.start()
    }

    /// Runs `body` on the spawn thread and returns its result (spawning takes well under a millisecond, so the
    /// caller blocks rather than suspends).
    func perform<T: Sendable>(_ body: @escaping @Sendable () -> T) -> T {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<T?>(nil)
        condition.lock()
        queue.withLock {
            $0.jobs.append {
                let value = body()
                result.withLock { $0 = value }
                done.signal()
            }
        }
        condition.signal()
        condition.unlock()
        done.wait()
        // The job ran before it signalled; the value is there.
        guard let value = result.withLock({ $0 }) else { return body() }
        return value
    }

    private func loop() {
        while true {
            condition.lock()
            var jobs = queue.withLock { queue in
                defer { queue.jobs.removeAll() }
                return queue.jobs
            }
            while jobs.isEmpty {
                condition.wait()
                jobs = queue.withLock { queue in
                    defer { queue.jobs.removeAll() }
                    return queue.jobs
                }
            }
            condition.unlock()
            for job in jobs { job() }
        }
    }
}
