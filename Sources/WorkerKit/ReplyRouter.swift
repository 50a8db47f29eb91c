import BatonProtocol
import Synchronization

/// Matches the orchestrator's replies to the callbacks waiting for them, by correlation id.
///
/// A waiter is registered before its callback is published, because a reply may arrive before anyone waits for
/// it. All state sits behind one `Mutex`; continuations are resumed outside the lock.
final class ReplyRouter: Sendable {
    private enum Entry {
        case registered
        case arrived(CallbackReply)
        case waiting(CheckedContinuation<CallbackReply?, Never>)
        case expired
    }

    private let entries = Mutex<[String: Entry]>([:])

    /// Registers a correlation id whose reply will be awaited.
    func register(_ id: String) {
        entries.withLock { $0[id] = .registered }
    }

    /// Hands a reply to its waiter (or keeps it until the waiter comes); replies nobody registered are dropped.
    /// - Returns: whether anyone expected it.
    @discardableResult
    func deliver(_ reply: CallbackReply, for id: String) -> Bool {
        let action: (CheckedContinuation<CallbackReply?, Never>?, Bool) = entries.withLock { entries in
            switch entries[id] {
            case .registered?:
                entries[id] = .arrived(reply)
                return (nil, true)
            case .waiting(let continuation)?:
                entries[id] = nil
                return (continuation, true)
            case .arrived?, .expired?, nil:
                return (nil, false)
            }
        }
        action.0?.resume(returning: reply)
        return action.1
    }

    /// Waits for the reply of `id`; `nil` if ``expire(_:)`` comes first or the task is cancelled.
    func reply(for id: String) async -> CallbackReply? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<CallbackReply?, Never>) in
                let ready: CallbackReply?? = entries.withLock { entries in
                    switch entries[id] {
                    case .arrived(let reply)?:
                        entries[id] = nil
                        return .some(reply)
                    case .registered?:
                        entries[id] = .waiting(continuation)
                        return .none
                    case .expired?, .waiting?, nil:
                        entries[id] = nil
                        return .some(nil)
                    }
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            expire(id)
        }
    }

    /// Gives up on `id`: a waiter gets `nil`, a later reply is dropped.
    func expire(_ id: String) {
        let continuation: CheckedContinuation<CallbackReply?, Never>? = entries.withLock { entries in
            switch entries[id] {
            case .waiting(let continuation)?:
                entries[id] = nil
                return continuation
            case .registered?:
                entries[id] = .expired
                return nil
            case .arrived?, .expired?, nil:
                entries[id] = nil
                return nil
            }
        }
        continuation?.resume(returning: nil)
    }
}
