import Synchronization

/// The part of a connection shared between the connection thread and everyone else: the command queue, the
/// wake-up fd and a few status fields. Everything mutable is inside `state` (a `Mutex`).
final class ConnectionCore: Sendable {
    struct State {
        var commands: [Command] = []
        /// The connection thread is in (or about to enter) `poll` and must be woken for new commands.
        var sleeping = false
        /// No more commands are accepted.
        var closed = false
        /// The connection is up (false while reconnecting).
        var connected = false
        /// Increments on every successful (re)connect; deliveries carry the epoch they arrived in.
        var epoch: UInt64 = 0
        /// Number of successful reconnects after the first connect.
        var reconnects = 0
        /// The broker has sent `connection.blocked` and not yet `connection.unblocked`.
        var blocked = false
        /// The endpoint of the current connection (nil while reconnecting).
        var endpoint: AMQPConfiguration.Endpoint?
    }

    let state = Mutex(State())
    let wake: WakeSignal

    init() throws(AMQPError) {
        wake = try WakeSignal()
    }

    /// Queues a command for the connection thread; fails it at once if the connection is closed.
    func submit(_ command: Command) {
        let outcome: Bool? = state.withLock { state in
            guard !state.closed else { return nil }
            state.commands.append(command)
            guard state.sleeping else { return false }
            state.sleeping = false
            return true
        }
        switch outcome {
        case nil: command.fail(AMQPError(.closed, message: "the connection has been closed"))
        case true?: wake.signal()
        case false?: break
        }
    }

    /// Queues a settlement if the deliveries' connection epoch is still current.
    func settle(_ request: SettleRequest) throws(AMQPError) {
        let outcome: Bool? = state.withLock { state in
            guard !state.closed, state.connected, state.epoch == request.epoch else { return nil }
            state.commands.append(.settle(request))
            guard state.sleeping else { return false }
            state.sleeping = false
            return true
        }
        switch outcome {
        case nil:
            throw AMQPError(
                .connectionLost,
                message: "the delivery came on a connection that has since been lost; the broker will redeliver it"
            )
        case true?: wake.signal()
        case false?: break
        }
    }

    /// Takes every queued command (connection thread only).
    func takeCommands() -> [Command] {
        state.withLock { state in
            guard !state.commands.isEmpty else { return [] }
            var taken: [Command] = []
            swap(&taken, &state.commands)
            return taken
        }
    }

    /// Marks the thread as sleeping unless commands are waiting; returns whether it may sleep.
    func prepareToSleep() -> Bool {
        state.withLock { state in
            guard state.commands.isEmpty else { return false }
            state.sleeping = true
            return true
        }
    }

    /// Marks the thread as awake.
    func awake() {
        state.withLock { $0.sleeping = false }
    }
}
