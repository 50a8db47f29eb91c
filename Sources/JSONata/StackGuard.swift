import Foundation
import Synchronization

/// Keeps evaluation off the end of the thread's stack: a JSONata depth level can take a few frames or many,
/// and frames are far larger in debug builds, so the stack's growth is measured, not guessed from depth.
///
/// Evaluation first runs on the calling thread with a budget that fits any secondary thread (512 KiB stacks);
/// only an evaluation that runs out of it is run again on a thread of its own with a stack of
/// `JSONataLimits.maximumStackBytes` (evaluation has no side effects, and keeps its timestamp).
enum StackGuard {
    /// Stack an evaluation may use on the caller's thread.
    static let inlineBudget = 320 * 1024

    /// The address of a local in the caller's frame: how deep the stack is now.
    @inline(__always)
    static func current() -> UInt {
        var marker = 0
        return withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
    }

    /// Runs `body` on a new thread with `stackSize` bytes of stack and waits for it.
    static func onLargeStack<T: Sendable>(
        stackSize: Int, _ body: @escaping @Sendable () throws(JSONataError) -> T
    ) throws(JSONataError) -> T {
        let outcome = Mutex<Result<T, JSONataError>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            let result: Result<T, JSONataError>
            do throws(JSONataError) { result = .success(try body()) } catch { result = .failure(error) }
            outcome.withLock { $0 = result }
            done.signal()
        }
        thread.stackSize = stackSize
        thread.start()
        done.wait()
        // `done` was signalled after the result was stored, so it is there.
        return try outcome.withLock { $0! }.get()
    }
}
