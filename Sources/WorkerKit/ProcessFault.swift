import Foundation
import Logging

/// Process-level fault injection.
public enum ProcessFault {
    /// Ends the process at once with SIGKILL, as a crash would: no cleanup, no acks, no graceful shutdown, so
    /// the broker redelivers every unacked task to another consumer.
    /// - Parameters:
    ///   - reason: logged (at error) just before.
    ///   - logger: the process logger.
    public static func crash(_ reason: String, logger: Logger) -> Never {
        logger.error("crashing on purpose (kill -9)", metadata: ["reason": "\(reason)"])
        kill(getpid(), SIGKILL)
        _exit(137)
    }
}
