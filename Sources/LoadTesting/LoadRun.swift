import BatonProtocol
import Foundation
import Histogram
import Synchronization

/// One measured run: starts executions under the open or closed model, waits for their terminal events (up to
/// the drain deadline), prints progress every second and returns the ledger.
struct LoadRun: Sendable {
    let configuration: LoadtestConfiguration
    let starter: any ExecutionStarter
    let events: LoadtestEvents
    let stateMachineArn: String
    /// Arrivals per second for this run (the sweep changes it per step).
    let rate: Double
    let input: String
    let progress: Bool

    func run() async -> (LoadLedger, LedgerVerdict, startsEnded: Double) {
        let runID = "lt\(UUID().uuidString.prefix(8).lowercased())"
        let origin = LoadLedger.now()
        let ledger = LoadLedger(
            runID: runID, origin: origin, warmup: configuration.warmup, duration: configuration.duration)
        events.register(ledger)
        starter.attach(ledger)
        let stopAt = configuration.duration.map { origin + configuration.warmup + $0 }
        let startsEnded = await withTaskGroup(of: Void.self) { group -> Double in
            if progress { group.addTask { await printProgress(ledger) } }
            let ended: Double
            switch configuration.model {
            case .closed: ended = await closed(ledger, stopAt: stopAt)
            case .open: ended = await open(ledger, stopAt: stopAt)
            }
            await drain(ledger)
            group.cancelAll()
            return ended
        }
        return (ledger, ledger.close(), startsEnded)
    }

    /// Whether another start is allowed: under the execution cap and before the stop time.
    private func mayStart(_ seq: Int, at time: Double, stopAt: Double?) -> Bool {
        if let limit = configuration.executions, seq >= limit { return false }
        if let stopAt, time >= stopAt { return false }
        return true
    }

    private func start(_ seq: Int, ledger: LoadLedger, late threshold: Double?) async {
        let sent = LoadLedger.now()
        ledger.sending(seq, at: sent)
        do {
            try await starter.start(stateMachineArn: stateMachineArn, name: ledger.name(seq), input: input)
            ledger.started(
                seq, sent: sent, replied: starter.awaitsAnswer ? LoadLedger.now() : nil, error: nil, lateBy: threshold)
        } catch {
            ledger.started(
                seq, sent: sent, replied: LoadLedger.now(), error: RemoteError.typeName(of: error), lateBy: threshold)
        }
    }

    /// Closed model: `concurrency` slots, each starting the next execution when its previous one ended.
    private func closed(_ ledger: LoadLedger, stopAt: Double?) async -> Double {
        await withDiscardingTaskGroup { group in
            for _ in 0..<configuration.concurrency {
                group.addTask {
                    while true {
                        let seq = ledger.claimSequenceNumber()
                        let now = LoadLedger.now()
                        guard mayStart(seq, at: now, stopAt: stopAt), !Task.isCancelled else { return }
                        _ = ledger.willStart(seq, intended: now)
                        await start(seq, ledger: ledger, late: nil)
                        await ledger.waitForEnd(seq)
                    }
                }
            }
        }
        return LoadLedger.now()
    }

    /// Open model: execution `i` is due at `origin + i / rate` whatever happened to the others; latency counts
    /// from that due time (coordinated omission corrected, as wrk2), so a stalled system cannot hide its backlog.
    /// A start sent more than the late threshold after its due time counts as late; one that would exceed
    /// `maxInFlight` is dropped and counted.
    private func open(_ ledger: LoadLedger, stopAt: Double?) async -> Double {
        let interval = 1 / rate
        let threshold = configuration.lateThresholdMilliseconds / 1000
        await withDiscardingTaskGroup { group in
            var seq = 0
            while !Task.isCancelled {
                let due = ledger.origin + Double(seq) * interval
                guard mayStart(seq, at: due, stopAt: stopAt) else { break }
                let now = LoadLedger.now()
                if due > now {
                    try? await Task.sleep(for: .microseconds(max(200, Int((due - now) * 1e6))))
                    continue
                }
                if ledger.willStart(seq, intended: due, maxInFlight: configuration.maxInFlight) {
                    let current = seq
                    group.addTask { await start(current, ledger: ledger, late: threshold) }
                }
                seq += 1
            }
        }
        return LoadLedger.now()
    }

    /// Waits until nothing is in flight or the drain deadline passed, then frees any waiting slot.
    private func drain(_ ledger: LoadLedger) async {
        let deadline = LoadLedger.now() + configuration.drainTimeout
        while ledger.inFlight > 0 && LoadLedger.now() < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        ledger.abandonWaiters()
    }

    /// One line a second on stderr: completions in the last second, in flight, end-to-end p99 so far.
    private func printProgress(_ ledger: LoadLedger) async {
        var previous = 0
        var tick = 0
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            if Task.isCancelled { return }
            tick += 1
            let (completed, started, inFlight, p99, errors) = ledger.state.withLock { state in
                (
                    state.completed, state.started, state.inFlight, state.endToEnd.valueAtPercentile(99),
                    state.errors.values.reduce(0, +)
                )
            }
            let phase = LoadLedger.now() < ledger.measureFrom ? " (warm-up)" : ""
            let line =
                String(
                    format: "[%3ds] started %d  completed %d  rate %d/s  in flight %d  p99 %.2f ms  errors %d",
                    tick, started, completed, completed - previous, inFlight, Double(p99) / 1000, errors) + phase + "\n"
            FileHandle.standardError.write(Data(line.utf8))
            previous = completed
        }
    }
}
