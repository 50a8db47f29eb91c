import BatonProtocol
import Foundation
import WorkerKit

/// A pending approval request, as persisted in `<data-dir>/approvals/<id>.json`.
struct ApprovalRequest: Codable, Sendable, Hashable {
    /// Short id used by the page, the API and `baton approvals` (a hash of the token).
    var id: String
    /// The token to answer with.
    var taskToken: String
    /// The request body without its token (JSON text).
    var request: String
    /// When the approver took it.
    var receivedAt: Date
    /// The Task state, when the header named it.
    var stateName: String?
    /// The execution, when the header named it.
    var executionArn: String?
    /// The task's W3C `traceparent`, sent on the decision's callback.
    var traceparent: String?
    /// The task's TimeoutSeconds in real seconds (`x-baton-timeout-seconds`), when it has one.
    var timeoutSeconds: Double?
    /// The task's HeartbeatSeconds in real seconds (`x-baton-heartbeat-seconds`), when it has one.
    var heartbeatSeconds: Double?

    /// When the task is closed at the latest if nobody decides: its timeout or, since a person sends no
    /// heartbeats, its heartbeat deadline — counted from when the approver took it, which is after the orchestrator
    /// armed them. `nil` when the task has neither.
    var closesBy: Date? {
        [timeoutSeconds, heartbeatSeconds].compactMap { $0 }.min().map { receivedAt.addingTimeInterval($0) }
    }

    /// Which deadline `closesBy` is: `TimeoutSeconds` or `HeartbeatSeconds`.
    var closingDeadline: String {
        switch (timeoutSeconds, heartbeatSeconds) {
        case let (timeout?, heartbeat?) where heartbeat < timeout: "HeartbeatSeconds"
        case (nil, _?): "HeartbeatSeconds"
        default: "TimeoutSeconds"
        }
    }

    /// The id for a token: FNV-1a 64 in hex (a redelivered request maps to the same id).
    static func id(for token: String) -> String {
        FNV1a.hex(token)
    }

    /// The JSON shape `GET /approvals` lists (the request embedded as JSON, never the token).
    var listed: [String: Any] {
        var object: [String: Any] = [
            "id": id, "receivedAt": receivedAt.formatted(.iso8601),
            "request": JSONBody.value(Array(request.utf8)) ?? request,
        ]
        object["stateName"] = stateName
        object["executionArn"] = executionArn
        return object
    }
}

/// Approval requests: the pending ones, one JSON file each (written atomically before the request's delivery is
/// acked), an in-memory index for the page, and a claim so two decisions on one request cannot both call back;
/// and the closed ones (`closed/<id>.json`, the most recent `closedLimit` kept): decided, or closed under the
/// approver because the task or its execution ended — kept so a late decision is answered with the reason.
actor ApprovalStore {
    let directory: URL
    private let closedDirectory: URL
    private var pending: [String: ApprovalRequest] = [:]
    private var claimed: Set<String> = []
    private var closed: [String: ClosedApproval] = [:]
    /// How many closed requests are kept.
    let closedLimit: Int

    /// Loads what a previous run left.
    init(dataDirectory: URL, closedLimit: Int = 200) throws {
        directory = dataDirectory.appendingPathComponent("approvals", isDirectory: true)
        closedDirectory = directory.appendingPathComponent("closed", isDirectory: true)
        self.closedLimit = closedLimit
        try FileManager.default.createDirectory(at: closedDirectory, withIntermediateDirectories: true)
        for request in Self.load(ApprovalRequest.self, from: directory) { pending[request.id] = request }
        for approval in Self.load(ClosedApproval.self, from: closedDirectory) { closed[approval.id] = approval }
    }

    private static func load<T: Decodable>(_ type: T.Type, from directory: URL) -> [T] {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter {
            $0.hasSuffix(".json")
        }.compactMap { name in
            (try? Data(contentsOf: directory.appendingPathComponent(name))).flatMap {
                try? decoder.decode(T.self, from: $0)
            }
        }
    }

    /// Persists a new request; returns false if it is already pending or closed (a redelivery).
    func add(_ request: ApprovalRequest) throws -> Bool {
        guard pending[request.id] == nil, closed[request.id] == nil else { return false }
        try Self.encoder.encode(request).write(to: file(request.id), options: .atomic)
        pending[request.id] = request
        return true
    }

    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    /// Pending requests, oldest first (claimed ones excluded).
    func list() -> [ApprovalRequest] {
        pending.values.filter { !claimed.contains($0.id) }.sorted { ($0.receivedAt, $0.id) < ($1.receivedAt, $1.id) }
    }

    /// Takes a request for a decision; `nil` if unknown or already being decided.
    func claim(_ id: String) -> ApprovalRequest? {
        guard let request = pending[id], !claimed.contains(id) else { return nil }
        claimed.insert(id)
        return request
    }

    /// The decision was not delivered: the request is pending again.
    func release(_ id: String) { claimed.remove(id) }

    /// The closed request `id`, if it is still kept.
    func closedRequest(_ id: String) -> ClosedApproval? { closed[id] }

    /// Closed requests, most recently closed first.
    func listClosed() -> [ClosedApproval] {
        closed.values.sorted { ($0.closedAt, $0.id) > ($1.closedAt, $1.id) }
    }

    /// Pending requests, claimed ones included (for the watcher, which closes requests under the approver).
    func all() -> [ApprovalRequest] { Array(pending.values) }

    /// Moves a pending request to the closed list (claimed or not: a claim's decision was sent, and its outcome
    /// is `outcome`); returns false if it was not pending.
    @discardableResult
    func close(_ id: String, outcome: ClosedApproval.Outcome, reason: String, at date: Date = Date()) -> Bool {
        guard let request = pending.removeValue(forKey: id) else { return false }
        claimed.remove(id)
        let approval = ClosedApproval(request: request, outcome: outcome, reason: reason, closedAt: date)
        closed[id] = approval
        try? Self.encoder.encode(approval).write(to: closedFile(id), options: .atomic)
        try? FileManager.default.removeItem(at: file(id))
        prune()
        return true
    }

    /// Closes every request of `executionArn` that is not being decided (a decision in flight closes its request
    /// itself, with the orchestrator's answer), and notes the execution's end on those closed already.
    /// - Returns: the ids closed.
    func closeExecution(_ executionArn: String, ending: String, at date: Date = Date()) -> [String] {
        let ids = pending.values.filter { $0.executionArn == executionArn && !claimed.contains($0.id) }.map(\.id)
        for id in ids { close(id, outcome: .closed, reason: "its execution ended: \(ending)", at: date) }
        for (id, approval) in closed where approval.request.executionArn == executionArn && approval.executionEnd == nil
        {
            closed[id]?.executionEnd = ending
            if let updated = closed[id] {
                try? Self.encoder.encode(updated).write(to: closedFile(id), options: .atomic)
            }
        }
        return ids
    }

    private func prune() {
        guard closed.count > closedLimit else { return }
        for approval in listClosed().dropFirst(closedLimit) {
            closed[approval.id] = nil
            try? FileManager.default.removeItem(at: closedFile(approval.id))
        }
    }

    private func file(_ id: String) -> URL { directory.appendingPathComponent("\(id).json") }
    private func closedFile(_ id: String) -> URL { closedDirectory.appendingPathComponent("\(id).json") }
}
