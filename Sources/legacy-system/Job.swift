import BatonProtocol
import Foundation
import WorkerKit

/// A job legacy-system has accepted, as persisted in `<data-dir>/jobs/<id>.json` until it is reported.
struct Job: Codable, Sendable, Hashable {
    /// The file name: a hash of the token, so a redelivered task finds the job it already started.
    var id: String
    /// The token to report with.
    var taskToken: String
    /// The job input (JSON text, token removed).
    var input: String
    /// How long the job works in total.
    var durationSeconds: Double
    /// Seconds between heartbeats; `nil` for none.
    var heartbeatSeconds: Double?
    /// Work done so far; kept across restarts, so a resumed job only does what is left.
    var workedSeconds: Double
    /// When the job was handed over.
    var acceptedAt: Date
    /// `job.sync` or the integration of a `.waitForTaskToken` message.
    var integration: String
    /// The Task state, for logs.
    var stateName: String?
    /// The task's W3C `traceparent`, sent on the job's callbacks (kept, so a resumed job still carries it).
    var traceparent: String?

    /// The id for a token: FNV-1a 64 in hex.
    static func id(for token: String) -> String {
        FNV1a.hex(token)
    }

    /// The report: SendTaskSuccess with the input plus `completedAt` when the input's `status` is `success`,
    /// otherwise SendTaskFailure `JobFailed` naming the status (the second seed's contract).
    func completion(at date: Date) -> (output: String?, error: String?, cause: String?) {
        let value = JSONBody.value(Array(input.utf8))
        let object = value as? [String: Any]
        let fields = (object?["input"] as? [String: Any]) ?? (object?["Payload"] as? [String: Any]) ?? object
        let status = fields?["status"] ?? object?["status"]
        if let status = status as? String, status == "success" {
            var output = object ?? ["input": value ?? NSNull()]
            output["completedAt"] = date.formatted(.iso8601)
            return (JSONBody.text(output), nil, nil)
        }
        let cause = status.map { "job finished with status '\(JSONBody.text($0))'" } ?? "job input has no status"
        return (nil, "JobFailed", cause)
    }
}

/// Jobs in progress, one small JSON file each under `<data-dir>/jobs` (Foundation only): written atomically on
/// hand-off and at every progress checkpoint, deleted once the report is confirmed by the broker.
struct JobStore: Sendable {
    let directory: URL

    /// Creates the directory if needed.
    init(dataDirectory: URL) throws {
        directory = dataDirectory.appendingPathComponent("jobs", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    private func file(_ id: String) -> URL { directory.appendingPathComponent("\(id).json") }

    func contains(_ id: String) -> Bool { FileManager.default.fileExists(atPath: file(id).path) }

    func save(_ job: Job) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(job).write(to: file(job.id), options: .atomic)
    }

    func remove(_ id: String) {
        try? FileManager.default.removeItem(at: file(id))
    }

    /// Every persisted job; unreadable files are skipped (and named in `skipped`).
    func all() -> (jobs: [Job], skipped: [String]) {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        var jobs: [Job] = [], skipped: [String] = []
        for name in names.sorted() where name.hasSuffix(".json") {
            let url = directory.appendingPathComponent(name)
            if let data = try? Data(contentsOf: url), let job = try? decoder.decode(Job.self, from: data) {
                jobs.append(job)
            } else {
                skipped.append(name)
            }
        }
        return (jobs, skipped)
    }
}
