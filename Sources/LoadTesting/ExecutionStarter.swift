import BatonProtocol
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Sends StartExecution one way or another; the load runner does not care which.
protocol ExecutionStarter: Sendable {
    /// Starts an execution; throws with the AWS error type (`RemoteError`) or a transport error.
    func start(stateMachineArn: String, name: String, input: String) async throws
    /// Whether `start` returns with the orchestrator's answer (`false`: once the request is sent; a refusal then
    /// arrives later, through `attach`).
    var awaitsAnswer: Bool { get }
    /// Routes late refusals of this run's starts to its ledger (starters that wait for answers need not).
    func attach(_ ledger: LoadLedger)
}

extension ExecutionStarter {
    var awaitsAnswer: Bool { true }
    func attach(_ ledger: LoadLedger) {}
}

extension ExecutionStarter {
    static func request(stateMachineArn: String, name: String, input: String) -> String {
        "{\"stateMachineArn\":\(BatonClient.quoted(stateMachineArn)),\"name\":\(BatonClient.quoted(name)),"
            + "\"input\":\(BatonClient.quoted(input))}"
    }
}

/// StartExecution on the orchestrator's command queue (`--start-path broker`).
/// With `answers: .errors` (`--start-replies errors`) it waits only for the broker, and refusals come back later.
struct BrokerStarter: ExecutionStarter {
    let client: BatonClient
    var answers: ReplyMode = .all

    var awaitsAnswer: Bool { answers == .all }

    func start(stateMachineArn: String, name: String, input: String) async throws {
        let request = Self.request(stateMachineArn: stateMachineArn, name: name, input: input)
        switch answers {
        case .all: _ = try await client.command("StartExecution", request: request)
        case .errors: try await client.post("StartExecution", request: request, correlationID: "start/\(name)")
        }
    }

    func attach(_ ledger: LoadLedger) {
        guard answers == .errors else { return }
        client.onUnansweredReply { correlationID, body in
            guard correlationID.hasPrefix("start/"), let seq = ledger.sequenceNumber(of: correlationID.dropFirst(6))
            else { return }
            let type = BatonClient.remoteError(in: body)?.type ?? "UnexpectedReply"
            ledger.refused(seq, error: type, at: LoadLedger.now())
        }
    }
}

/// StartExecution through the AWS JSON 1.0 HTTP API (`--start-path http`), as the AWS SDKs send it.
struct HTTPStarter: ExecutionStarter {
    let endpoint: URL
    let session: URLSession

    init(endpoint: URL) {
        self.endpoint = endpoint
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = 64
        configuration.timeoutIntervalForRequest = 30
        session = URLSession(configuration: configuration)
    }

    /// Checks that something answers the AWS JSON protocol at the endpoint (ListStateMachines).
    /// - Throws: `LoadtestError` with advice when nothing listens there (the HTTP API not running or not merged).
    func probe() async throws {
        do {
            let (status, body) = try await call("ListStateMachines", body: "{}")
            guard status == 200 else {
                throw LoadtestError(
                    "the HTTP API at \(endpoint) answered ListStateMachines with \(status): \(body.prefix(200))")
            }
        } catch let error as LoadtestError {
            throw error
        } catch {
            throw LoadtestError(
                "no Step Functions HTTP API at \(endpoint) (\(error.localizedDescription)). Start the orchestrator "
                    + "with BATON_API_ADDRESS (the HTTP API) or use --start-path broker.")
        }
    }

    func start(stateMachineArn: String, name: String, input: String) async throws {
        let (status, body) = try await call(
            "StartExecution", body: Self.request(stateMachineArn: stateMachineArn, name: name, input: input))
        guard status == 200 else {
            let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
            let type = (object?["__type"] as? String).map { $0.split(separator: "#").last.map(String.init) ?? $0 }
            throw RemoteError(type: type ?? "HTTP\(status)", message: object?["message"] as? String ?? "")
        }
    }

    private func call(_ action: String, body: String) async throws -> (Int, String) {
        var request = URLRequest(url: endpoint)
        request.httpMethod = "POST"
        request.setValue("application/x-amz-json-1.0", forHTTPHeaderField: "Content-Type")
        request.setValue("AWSStepFunctions.\(action)", forHTTPHeaderField: "X-Amz-Target")
        request.httpBody = Data(body.utf8)
        let (data, response) = try await session.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }
}

/// A load test that cannot run as asked.
struct LoadtestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
