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

    /// The id for a token: FNV-1a 64 in hex (a redelivered request maps to the same id).
    static func id(for token: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in token.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16)
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

/// Pending approvals: one JSON file each (written atomically before the request's delivery is acked), an
/// in-memory index for the page, and a claim so two decisions on one request cannot both call back.
actor ApprovalStore {
    let directory: URL
    private var pending: [String: ApprovalRequest] = [:]
    private var claimed: Set<String> = []

    /// Loads what a previous run left.
    init(dataDirectory: URL) throws {
        directory = dataDirectory.appendingPathComponent("approvals", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        where name.hasSuffix(".json") {
            guard let data = try? Data(contentsOf: directory.appendingPathComponent(name)),
                let request = try? decoder.decode(ApprovalRequest.self, from: data)
            else { continue }
            pending[request.id] = request
        }
    }

    /// Persists a new request; returns false if it is already pending (a redelivery).
    func add(_ request: ApprovalRequest) throws -> Bool {
        guard pending[request.id] == nil else { return false }
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(request).write(to: file(request.id), options: .atomic)
        pending[request.id] = request
        return true
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

    /// The decision's callback is confirmed by the broker: forget the request.
    func remove(_ id: String) {
        pending[id] = nil
        claimed.remove(id)
        try? FileManager.default.removeItem(at: file(id))
    }

    private func file(_ id: String) -> URL { directory.appendingPathComponent("\(id).json") }
}
