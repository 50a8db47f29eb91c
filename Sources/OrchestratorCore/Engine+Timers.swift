import ExecutionStore
import Foundation
import Logging
import StatesLanguage

extension Engine {
    /// Fires every timer due by now (at most `configuration.timerBatch`), each in its own transition; the store
    /// group-commits them. A timer re-armed or cancelled since it was read is skipped.
    /// - Returns: how many timers fired.
    /// - Throws: a store error when the due timers cannot be read.
    @discardableResult
    public func fireDueTimers() async throws -> Int {
        let now = clock.now()
        let due = try await store.dueTimers(before: now, limit: configuration.timerBatch)
        guard !due.isEmpty else { return 0 }
        await withTaskGroup(of: Void.self) { group in
            for timer in due {
                group.addTask { await self.fire(timer) }
            }
        }
        return due.count
    }

    /// The date of the earliest armed timer, if any.
    public func nextTimerDate() async throws -> Date? {
        try await store.nextTimerFireDate()
    }

    private func fire(_ timer: PendingTimer) async {
        do {
            try await commit(lane: timer.executionID) { context in
                // Claim the timer: if it was re-armed (a heartbeat) or cancelled, its id no longer exists.
                guard try context.tx.deleteTimer(id: timer.id) else { return }
                guard let event = TimerKey.event(for: timer.key, at: context.now) else { return }
                do {
                    try context.run([event], executionID: timer.executionID)
                } catch is InterpreterRejection {
                    // The task or execution ended meanwhile; the claimed timer is simply gone.
                }
            }
        } catch {
            logger.error("timer transition failed", metadata: ["timer.key": "\(timer.key)", "error": "\(error)"])
        }
    }
}
