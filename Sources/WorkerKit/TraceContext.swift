import BatonProtocol

/// The W3C trace context of the task a worker is handling, so that its callbacks carry the task's `traceparent`
/// and one execution can be followed across processes (`traceparent` in every log line about it).
///
/// `TaskConsumer` binds it around each handler; callbacks published inside the handler (and its child tasks,
/// e.g. heartbeats) pick it up. Work that outlives the handler (approvals decided later, jobs resumed after a
/// restart) passes the value it kept explicitly.
public enum TraceContext {
    /// The `traceparent` of the task being handled, if it had one.
    @TaskLocal public static var traceparent: String?

    /// The header name (`traceparent`), as on task messages.
    public static let header = TaskHeaders.traceparent

    /// The value to forward from a task header: at most 256 printable ASCII characters (what StartExecution's
    /// `traceHeader` admits), else `nil`.
    package static func forwardable(_ value: String?) -> String? {
        guard let value, !value.isEmpty, value.utf8.count <= 256,
            value.utf8.allSatisfy({ (0x20...0x7E).contains($0) })
        else { return nil }
        return value
    }
}
