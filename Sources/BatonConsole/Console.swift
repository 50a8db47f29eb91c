import BatonJSON
import ExecutionStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import OrchestratorCore
import StatesLanguage
import StepFunctionsAPI
import Synchronization

/// The web console at `/console`, served beside the Step Functions API on its address: executions (live),
/// state machines with their graphs, one execution with its graph, open task, deadlines, history timeline and
/// buttons. Reads and actions go through `StepFunctionsOperations` — the engine calls the API makes — so the
/// console sees every shard's executions and Stop or a callback from a button is a StopExecution or a SendTask*
/// like any other. The open task, its timers and the counts are read from this orchestrator's store.
///
/// Login: with `BATON_API_CREDENTIALS` set, every console request needs HTTP Basic authentication with the access
/// key id as user name and the secret as password; without them the console is open, like the API (which warns
/// when that address is not loopback). Form posts from another origin are refused.
package struct Console: Sendable {
    /// What the console needs from the orchestrator.
    package struct Configuration: Sendable {
        /// The pair a browser must log in with (Basic authentication), or `nil` for an open console.
        package var credentials: APICredentials?
        /// This orchestrator's shard (tokens the buttons send are issued for it).
        package var shard: Int = 0
        /// How many orchestrator shards there are (the "started before" filter needs one store).
        package var shardCount: Int = 1
        /// Workflow seconds per real second, for the deadlines' countdown.
        package var timeScale: Double = 1
        /// The directory of `baton loadtest`/`baton chaos` report files the console lists, or `nil`.
        package var reportsDirectory: String?
        /// The approver's page as a browser reaches it (`BATON_APPROVER_URL`), or `nil`: an execution waiting on
        /// ``approvalsQueue`` links there.
        package var approverURL: String?
        /// The queue the approver reads (`<prefix>.approvals`).
        package var approvalsQueue: String = "baton.approvals"
        /// The `dot` executable.
        package var dotExecutable: String = "/usr/bin/dot"
        /// How often a console's event stream looks for changes (at most once a second).
        package var pollInterval: Duration = .seconds(1)
        /// How long one event stream lasts before the browser reconnects (a bound on a forgotten tab).
        package var streamLifetime: Duration = .seconds(300)

        /// Creates a configuration with the documented defaults.
        package init(credentials: APICredentials? = nil) {
            self.credentials = credentials
        }
    }

    let operations: StepFunctionsOperations
    let store: ExecutionStore
    let signer: TaskTokenSigner
    let feed: ConsoleFeed
    let configuration: Configuration
    let graphviz: Graphviz
    let counts: CountCache
    let logger: Logger

    /// Creates the console.
    /// - Parameters:
    ///   - operations: the API's operations (reads, Stop, SendTask*).
    ///   - store: this orchestrator's store (open tasks, timers, counts).
    ///   - signer: the engine's token signer: a button's callback carries the open task's own token.
    ///   - feed: the finished executions the engine reports.
    ///   - configuration: login and display settings.
    ///   - logger: where failures are logged.
    package init(
        operations: StepFunctionsOperations, store: ExecutionStore, signer: TaskTokenSigner, feed: ConsoleFeed,
        configuration: Configuration, logger: Logger
    ) {
        self.operations = operations
        self.store = store
        self.signer = signer
        self.feed = feed
        self.configuration = configuration
        self.graphviz = Graphviz(executable: configuration.dotExecutable)
        self.counts = CountCache(store: store)
        self.logger = logger
    }

    /// Adds the console's routes (`/console…`) to a router (the API's).
    package func register(on router: Router<BasicRequestContext>) {
        let console = self
        router.get("/console") { request, _ in await console.guarded(request) { try await console.executionsPage($0) } }
        router.get("/console/state-machines") { request, _ in
            await console.guarded(request) { _ in try await console.machinesPage() }
        }
        router.get("/console/state-machine") { request, _ in
            await console.guarded(request) { try await console.machinePage($0) }
        }
        router.get("/console/execution") { request, _ in
            await console.guarded(request) { try await console.executionPage($0) }
        }
        router.get("/console/reports") { request, _ in
            await console.guarded(request) { _ in try console.reportsPage() }
        }
        router.get("/console/report") { request, _ in await console.guarded(request) { try console.report($0) } }
        router.get("/console/events") { request, _ in await console.guarded(request) { console.events($0) } }
        router.post("/console/execution/stop") { request, _ in
            await console.guarded(request, post: true) { try await console.stop($0) }
        }
        router.post("/console/execution/redrive") { request, _ in
            await console.guarded(request, post: true) { try await console.redrive($0) }
        }
        router.post("/console/execution/callback") { request, _ in
            await console.guarded(request, post: true) { try await console.callback($0) }
        }
    }

    /// A console request's query or form fields.
    struct Fields: Sendable {
        var values: [String: String]

        subscript(_ name: String) -> String? {
            values[name].flatMap { $0.isEmpty ? nil : $0 }
        }
    }

    /// Checks the login (and, for a post, the origin), reads the fields and answers with `body`'s page, or with
    /// an error page; never throws.
    func guarded(
        _ request: Request, post: Bool = false, _ body: (Fields) async throws -> Response
    ) async -> Response {
        if let refusal = refusal(request) { return refusal }
        var text = request.uri.query ?? ""
        if post {
            if let origin = request.headers[HTTPField.Name("Origin")!], origin != "null",
                let authority = request.head.authority, URL(string: origin)?.hostWithPort != authority
            {
                return Self.errorPage(.forbidden, "This form was posted from another origin (\(origin)).")
            }
            var request = request
            guard let body = try? await request.collectBody(upTo: 1_048_576) else {
                return Self.errorPage(.contentTooLarge, "The form is larger than 1 MiB.")
            }
            text = String(buffer: body)
        }
        do {
            return try await body(Fields(values: HTML.form(text)))
        } catch let error as APIError {
            return Self.errorPage(
                HTTPResponse.Status(code: error.code.status), "\(error.code.name): \(error.message)")
        } catch {
            logger.error("console request failed", metadata: ["error": "\(error)"])
            return Self.errorPage(.internalServerError, "\(error)")
        }
    }

    /// The 401 answer when credentials are configured and the request does not carry them, else `nil`.
    func refusal(_ request: Request) -> Response? {
        guard let credentials = configuration.credentials else { return nil }
        let expected = Array("\(credentials.accessKeyID):\(credentials.secretAccessKey)".utf8)
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("basic "),
            let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            Self.constantTimeEqual(Array(decoded), expected)
        {
            return nil
        }
        return Response(
            status: .unauthorized,
            headers: [
                .wwwAuthenticate: "Basic realm=\"Baton console\", charset=\"UTF-8\"",
                .contentType: "text/plain; charset=utf-8",
            ],
            body: .init(
                byteBuffer: ByteBuffer(
                    string: "Log in with the API's access key id as user name and its secret as password.\n")))
    }

    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                HTTPField.Name("Content-Security-Policy")!:
                    "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'self' data:",
                HTTPField.Name("X-Frame-Options")!: "DENY",
            ],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func errorPage(_ status: HTTPResponse.Status, _ message: String) -> Response {
        html(
            HTML.page(
                title: "Error \(status.code)", current: "",
                body:
                    "<p class=\"message\" role=\"alert\">\(HTML.escape(message))</p><p><a href=\"/console\">Back to the executions</a></p>"
            ),
            status: status)
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }
}

extension URL {
    /// `host:port` as a `Host` header spells it (the port only when the URL names one).
    fileprivate var hostWithPort: String? {
        guard let host else { return nil }
        let bracketed = host.contains(":") ? "[\(host)]" : host
        return port.map { "\(bracketed):\($0)" } ?? bracketed
    }
}

/// The counts per status, read at most once a second while nothing changes whatever the number of consoles, each
/// count capped so that a store of millions of executions costs a bounded read.
final class CountCache: Sendable {
    private struct Entry {
        var at: ContinuousClock.Instant
        var version: Console.Version
        var counts: [StoredStatus: Int]
    }

    let store: ExecutionStore
    /// The largest count read per status.
    static let cap = 100_000
    private let entries = Mutex<[String: Entry]>([:])

    init(store: ExecutionStore) {
        self.store = store
    }

    /// The counts, read again unless they were read less than a second ago at the same `version` (no execution
    /// started or finished since).
    func counts(stateMachineArn: String?, version: Console.Version) async throws -> [StoredStatus: Int] {
        let key = stateMachineArn ?? ""
        let now = ContinuousClock.now
        if let entry = entries.withLock({ $0[key] }), now - entry.at < .seconds(1), entry.version == version {
            return entry.counts
        }
        let counts = try await store.countExecutionsByStatus(stateMachineArn: stateMachineArn, cap: Self.cap)
        entries.withLock { entries in
            if entries.count > 256 { entries.removeAll() }
            entries[key] = Entry(at: now, version: version, counts: counts)
        }
        return counts
    }
}

/// An execution's status (StatesLanguage's, shared by the store and the engine).
typealias StoredStatus = ExecutionStatus
