#if canImport(Glibc)
    import Glibc
#endif

/// A non-blocking pipe the connection thread polls next to its socket, so other threads can wake it without
/// a polling sleep. `signal` may run on any thread; `drain` runs on the connection thread only. Both ends are
/// immutable file descriptors, hence `Sendable`.
final class WakeSignal: Sendable {
    /// The end the connection thread polls.
    let fd: Int32
    private let writeEnd: Int32

    init() throws(AMQPError) {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else {
            throw AMQPError(.protocolError, message: "pipe() failed with errno \(errno)")
        }
        for end in ends {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        fd = ends[0]
        writeEnd = ends[1]
    }

    deinit {
        close(fd)
        close(writeEnd)
    }

    func signal() {
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    func drain() {
        var buffer = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        while withUnsafeMutableBytes(of: &buffer, { read(fd, $0.baseAddress, $0.count) }) > 0 {}
    }
}
