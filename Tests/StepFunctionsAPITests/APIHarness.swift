import BatonJSON
import BatonProtocol
import ExecutionStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import OrchestratorCore
import StatesLanguage
import StoreTestSupport
import Testing

@testable import StepFunctionsAPI

/// An engine on a temporary store behind the API's router, driven through HummingbirdTesting's `.router`
/// client: no sockets, no broker.
final class APIHarness: Sendable {
    let directory: URL
    let store: ExecutionStore
    let engine: Engine
    let api: StepFunctionsAPI

    /// The seed-1 shape: one waitForTaskToken task whose message carries the token.
    static let seedDefinition = """
        {"StartAt": "Approve", "States": {"Approve": {"Type": "Task",
          "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
          "Parameters": {"QueueUrl": "http://q/approvals", "MessageBody": {"token.$": "$$.Task.Token", "in.$": "$"}},
          "End": true}}}
        """

    init(configuration: APIConfiguration = APIConfiguration(), now: @escaping @Sendable () -> Date = { Date() }) throws
    {
        let temporary = try TemporaryDirectory(label: "api")
        directory = temporary.url
        store = try temporary.open()
        engine = Engine(
            store: store, signer: TaskTokenSigner(keyBytes: Array(repeating: 7, count: 32)),
            configuration: OrchestratorConfiguration(), names: Names(prefix: "api"), clock: ManualWallClock(),
            logger: Logger(label: "test.api"))
        api = StepFunctionsAPI(
            operations: StepFunctionsOperations(engine: engine), configuration: configuration,
            logger: Logger(label: "test.api"), now: now)
    }

    deinit {
        try? store.close()
        try? FileManager.default.removeItem(at: directory)
    }

    /// An answer: status, `__type` for errors, the parsed body.
    struct Answer {
        var status: Int
        var body: JSON
        var contentType: String?
        var errorType: String? { body["__type"]?.stringValue }
    }

    /// Sends one request through the router.
    func call(
        _ action: String?, _ body: String, headers extra: HTTPFields = [:]
    ) async throws -> Answer {
        var headers: HTTPFields = [.contentType: StepFunctionsAPI.contentType]
        if let action { headers[HTTPField.Name("X-Amz-Target")!] = "AWSStepFunctions.\(action)" }
        for field in extra { headers[field.name] = field.value }
        return try await send(headers: headers, body: body)
    }

    /// Sends a request with exactly these headers.
    func send(headers: HTTPFields, body: String) async throws -> Answer {
        let app = Application(router: api.router())
        return try await app.test(.router) { client in
            try await client.execute(uri: "/", method: .post, headers: headers, body: ByteBuffer(string: body)) {
                response in
                let text = String(buffer: response.body)
                return Answer(
                    status: Int(response.status.code), body: (try? JSON(parsing: text)) ?? .string(text),
                    contentType: response.headers[.contentType])
            }
        }
    }

    /// Sends an action with a JSON body, expecting 200.
    @discardableResult
    func ok(_ action: String, _ body: JSON) async throws -> JSON {
        let answer = try await call(action, body.serialized)
        #expect(answer.status == 200, "\(action): \(answer.body.serialized)")
        return answer.body
    }

    /// Creates the seed machine; returns its ARN.
    func createSeed(_ name: String = "seed1") async throws -> String {
        let response = try await ok(
            "CreateStateMachine",
            [
                "name": .string(name), "definition": .string(Self.seedDefinition),
                "roleArn": "arn:aws:iam::123456789012:role/test",
            ])
        return try #require(response["stateMachineArn"]?.stringValue)
    }

    /// Starts an execution; returns its ARN.
    func start(_ machine: String, name: String, input: String = "{}") async throws -> String {
        let response = try await ok(
            "StartExecution", ["stateMachineArn": .string(machine), "name": .string(name), "input": .string(input)])
        return try #require(response["executionArn"]?.stringValue)
    }

    /// The task token of the newest task message in the outbox.
    func latestToken() async throws -> String {
        let outbox = try await store.pendingOutbox()
        let body = try JSON(parsing: try #require(outbox.last).body)
        return try #require(body["token"]?.stringValue)
    }
}
