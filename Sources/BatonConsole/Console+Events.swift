import ExecutionStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle
import StatesLanguage

/// `GET /console/events`: Server-Sent Events telling a page that what it shows changed.
///
/// The stream never reads the store per transition: at most once per poll interval (a second) it compares what
/// the engine's feed recorded (finished executions, no store read) and one primary-key lookup (the newest
/// execution id for the list; the execution's next event id for an execution page) with what it last saw, and
/// sends `event: changed` when they differ; the page then fetches itself. A comment every 15 seconds keeps idle
/// proxies from closing it. It ends after `streamLifetime` or when the orchestrator shuts down (the browser
/// reconnects on its own).
extension Console {
    func events(_ fields: Fields) -> Response {
        let execution = fields["execution"]
        let console = self
        let body = ResponseBody { writer in
            try await writer.write(ByteBuffer(string: "retry: 1000\n: baton console events\n\n"))
            var last = try await console.version(execution: execution)
            let started = ContinuousClock.now
            var quiet = ContinuousClock.now
            while ContinuousClock.now - started < console.configuration.streamLifetime, !Task.isCancelled,
                !Task.isShuttingDownGracefully
            {
                try await Task.sleep(for: console.configuration.pollInterval)
                let now = try await console.version(execution: execution)
                if now != last {
                    let finished = console.feed.finished(after: last.feed).prefix(50)
                    let data = finished.map { "\($0.status) \($0.executionArn)" }.joined(separator: " ")
                    try await writer.write(ByteBuffer(string: "event: changed\ndata: \(data.isEmpty ? "-" : data)\n\n"))
                    last = now
                    quiet = ContinuousClock.now
                } else if ContinuousClock.now - quiet > .seconds(15) {
                    try await writer.write(ByteBuffer(string: ": still here\n\n"))
                    quiet = ContinuousClock.now
                }
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/event-stream", .cacheControl: "no-store",
                HTTPField.Name("X-Accel-Buffering")!: "no",
            ],
            body: body)
    }

    /// What a stream compares: the feed's count and one store lookup.
    struct Version: Equatable {
        var feed: Int
        var store: Int64
        var status: String = ""
    }

    func version(execution: String?) async throws -> Version {
        let feed = self.feed.sequence
        guard let execution else { return Version(feed: feed, store: try await store.newestExecutionID()) }
        // An execution of another shard is followed through the feed alone (it learns of its end only); one of
        // this shard's by its own row, so that other executions finishing do not refresh its page.
        guard let record = try await store.execution(arn: execution) else { return Version(feed: feed, store: 0) }
        return Version(feed: 0, store: record.nextEventID, status: record.status.rawValue)
    }
}
