import BatonProtocol
import Logging

extension CallbackClient {
    /// Runs `body` while sending SendTaskHeartbeat for `token` every `interval` (none when `interval` is nil).
    ///
    /// Heartbeats stop before this returns, so a final SendTaskSuccess sent afterwards is never followed by a
    /// heartbeat the orchestrator would refuse. A heartbeat the broker will not take is logged, not fatal: the
    /// work goes on and the next beat tries again.
    /// - Parameters:
    ///   - token: the task token.
    ///   - interval: the pause between heartbeats.
    ///   - body: the work.
    /// - Returns: what `body` returns.
    /// - Throws: what `body` throws.
    public func withHeartbeats<T>(
        token: String, every interval: Duration?, _ body: () async throws -> T
    ) async throws -> T {
        guard let interval, interval > .zero else { return try await body() }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                while true {
                    try await Task.sleep(for: interval)
                    do {
                        let pending = try await self.publish(Callback(taskToken: token, outcome: .heartbeat))
                        // Waits at most one interval, so replies never pile up behind the beats.
                        await self.reply(to: pending, deadline: interval)
                    } catch is CancellationError {
                        return
                    } catch {
                        self.heartbeatFailed(error)
                    }
                }
            }
            defer { group.cancelAll() }
            let result = try await body()
            group.cancelAll()
            // The beat loop ends with CancellationError; that is the normal way out.
            while let next = await group.nextResult() {
                if case .failure(let error) = next, !(error is CancellationError) { heartbeatFailed(error) }
            }
            return result
        }
    }

    private func heartbeatFailed(_ error: any Error) {
        logger.warning("heartbeat not sent", metadata: ["error": "\(error)"])
    }
}
