import BatonJSON
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import OrchestratorCore
import StatesLanguage

/// The AWS Step Functions JSON 1.0 protocol over HTTP: `POST /` with `X-Amz-Target: AWSStepFunctions.<Action>`
/// and a JSON body, answered by `StepFunctionsOperations` — the same operations the broker's command queue
/// serves — so the `aws` CLI, boto3 and the SDKs drive Baton with `--endpoint-url`.
///
/// Every failure is an AWS error body `{"__type": …, "message": …}` with the code's HTTP status; the handler
/// never throws to Hummingbird, so no request ends without an answer.
public struct StepFunctionsAPI: Sendable {
    let operations: StepFunctionsOperations
    let configuration: APIConfiguration
    let signature: SignatureV4?
    let logger: Logger
    let now: @Sendable () -> Date

    /// The target prefix of every action (`X-Amz-Target: AWSStepFunctions.StartExecution`).
    public static let targetPrefix = "AWSStepFunctions."
    /// The content type of requests and responses.
    public static let contentType = "application/x-amz-json-1.0"

    /// Creates the API.
    /// - Parameters:
    ///   - operations: the operations over the engine.
    ///   - configuration: credentials and limits.
    ///   - logger: where failures are logged.
    ///   - now: the wall clock for signature dates (injected by tests).
    public init(
        operations: StepFunctionsOperations, configuration: APIConfiguration = APIConfiguration(), logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.operations = operations
        self.configuration = configuration
        self.logger = logger
        self.now = now
        signature = configuration.credentials.map {
            var signature = SignatureV4(credentials: $0)
            signature.maximumClockSkew = configuration.maximumClockSkew
            return signature
        }
    }

    /// The router serving the API on `POST /`.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/") { request, _ in await self.respond(to: request) }
        return router
    }

    /// Answers one request; never throws.
    func respond(to request: Request) async -> Response {
        do throws(APIError) {
            let body = try await collectBody(request)
            if let signature { try signature.verify(Self.signable(request, body: body), now: now()) }
            let action = try Self.action(request)
            let json: JSON
            do {
                json = body.isEmpty ? .object(JSONObject()) : try JSON(parsing: body)
            } catch {
                throw APIError(.serialization, "the request body is not valid JSON: \(error.reason)")
            }
            let traceparent = request.headers[HTTPField.Name("traceparent")!]
            return Self.response(
                .ok, try await operations.handle(action: action, request: json, traceparent: traceparent))
        } catch {
            if error.code.status >= 500 {
                logger.error("api request failed", metadata: ["error": "\(error)"])
            } else {
                logger.debug("api request rejected", metadata: ["error.type": "\(error.code.name)"])
            }
            return Self.response(error)
        }
    }

    private func collectBody(_ request: Request) async throws(APIError) -> [UInt8] {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > configuration.maximumBodyBytes {
            throw Self.tooLarge(configuration.maximumBodyBytes)
        }
        do {
            let buffer = try await request.body.collect(upTo: configuration.maximumBodyBytes)
            return Array(buffer.readableBytesView)
        } catch {
            throw Self.tooLarge(configuration.maximumBodyBytes)
        }
    }

    static func tooLarge(_ limit: Int) -> APIError {
        APIError(.named("RequestEntityTooLargeException", status: 413), "the request body exceeds \(limit) bytes")
    }

    /// The action an `X-Amz-Target` header names.
    static func action(_ request: Request) throws(APIError) -> String {
        guard let target = request.headers[HTTPField.Name("X-Amz-Target")!], target.hasPrefix(targetPrefix) else {
            throw APIError(.unknownOperation, "the X-Amz-Target header must name an AWSStepFunctions action")
        }
        let action = String(target.dropFirst(targetPrefix.count))
        guard StepFunctionsOperations.actions.contains(action) else {
            throw APIError(.unknownOperation, "Baton does not serve the action '\(action.prefix(100))'")
        }
        return action
    }

    /// The request as SigV4 sees it; HTTP/1's `Host` header arrives as the request's authority.
    static func signable(_ request: Request, body: [UInt8]) -> SignatureV4.Request {
        var headers = request.headers.map { (name: $0.name.canonicalName, value: $0.value) }
        if let authority = request.head.authority, !headers.contains(where: { $0.name == "host" }) {
            headers.append((name: "host", value: authority))
        }
        return SignatureV4.Request(
            method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "",
            headers: headers, body: body)
    }

    static func response(_ status: HTTPResponse.Status, _ body: JSON, errorType: String? = nil) -> Response {
        var headers: HTTPFields = [
            .contentType: contentType, HTTPField.Name("x-amzn-RequestId")!: UUID().uuidString.lowercased(),
        ]
        if let errorType { headers[HTTPField.Name("x-amzn-ErrorType")!] = errorType }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body.serialized)))
    }

    /// The AWS error body for an error, with its HTTP status.
    static func response(_ error: APIError) -> Response {
        response(
            HTTPResponse.Status(code: error.code.status),
            ["__type": .string(error.code.name), "message": .string(error.message)], errorType: error.code.name)
    }
}
