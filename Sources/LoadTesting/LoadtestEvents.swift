import BatonBroker
import BatonJSON
import BatonProtocol
import Foundation
import Synchronization

/// Consumes the orchestrator's terminal execution events (`<prefix>.events`, `execution.*`) on a private queue and
/// hands each to the ledger of the run whose name prefix it carries.
final class LoadtestEvents: Sendable {
    private let ledgers = Mutex<[String: LoadLedger]>([:])
    private let foreign = Atomic(0)
    let queue: String

    init(names: Names) {
        queue = names.replyQueue("loadtest-events-\(UUID().uuidString.prefix(8).lowercased())")
    }

    /// Declares the private queue and binds it; call before the first start so no event is missed.
    func bind(on bus: RabbitBus, names: Names) async throws {
        try await bus.declareExchange(names.eventsExchange, type: "topic")
        try await bus.declare(QueueSpec(queue, exclusive: true))
        try await bus.bind(queue: queue, exchange: names.eventsExchange, routingKey: "execution.*", exclusive: true)
    }

    func register(_ ledger: LoadLedger) { ledgers.withLock { $0[ledger.runID] = ledger } }

    /// Events of executions this process did not start (other users of the prefix).
    var foreignEvents: Int { foreign.load(ordering: .relaxed) }

    /// Runs until cancelled.
    func consume(on bus: RabbitBus) async throws {
        let batches = try await bus.consumeBatches(queue, prefetch: 2048)
        for try await batch in batches {
            let time = LoadLedger.now()
            for delivery in batch {
                for event in ExecutionEvents.objects(in: delivery.message) { handle(event, at: time) }
            }
            try? bus.ack(batch)
        }
    }

    func handle(_ event: JSONObject, at time: Double) {
        guard let name = event["name"]?.stringValue,
            let dash = name.lastIndex(of: "-"), let seq = Int(name[name.index(after: dash)...]),
            let ledger = ledgers.withLock({ $0[String(name[..<dash])] })
        else {
            foreign.add(1, ordering: .relaxed)
            return
        }
        let status = event["status"]?.stringValue ?? "UNKNOWN"
        ledger.ended(
            seq, status: status, error: event["error"]?.stringValue,
            stamps: event["output"]?.stringValue.flatMap(Self.stamps), at: time)
    }

    /// Reads `batonStamps` from an output's JSON text (worker-function `--stamps`).
    static func stamps(_ output: String) -> WorkerStamps? {
        guard output.utf8.count > 11, case .object(let object)? = try? JSON(parsing: output),
            case .object(let stamps)? = object["batonStamps"],
            let received = stamps["receivedAt"]?.doubleValue, let answered = stamps["answeredAt"]?.doubleValue
        else { return nil }
        return WorkerStamps(receivedAt: received, answeredAt: answered)
    }
}
