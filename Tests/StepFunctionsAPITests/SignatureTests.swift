import BatonJSON
import Foundation
import HTTPTypes
import Hummingbird
import StatesLanguage
import Testing

@testable import StepFunctionsAPI

/// SigV4 when `BATON_API_CREDENTIALS` is set: signed requests pass, anything else answers 403 with AWS's types.
@Suite struct SignatureTests {
    static let credentials = APICredentials(
        accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    static let now = SignatureV4.parse(amzDate: "20261123T141800Z")!

    @Test func verifierAcceptsASignatureComputedByBotocore() throws {
        // botocore's SigV4Auth for GET https://example.amazon.com/ at 20261123T141800Z, service "service".
        let date = try #require(SignatureV4.parse(amzDate: "20261123T141800Z"))
        let request = SignatureV4.Request(
            method: "GET", path: "/",
            headers: [
                (name: "host", value: "example.amazon.com"), (name: "x-amz-date", value: "20261123T141800Z"),
                (
                    name: "authorization",
                    value: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261123/us-east-1/service/aws4_request, "
                        + "SignedHeaders=host;x-amz-date, "
                        + "Signature=40e210c54db7c900c4cb4bd9fb4ea4b9838b1e713c9deb63b600dcbba63223fa"
                ),
            ],
            body: [])
        try SignatureV4(credentials: Self.credentials).verify(request, now: date)
    }

    /// Signs a ListStateMachines request as an SDK would (host is the router test client's authority).
    func signedHeaders(body: String, credentials: APICredentials, at date: Date = now) -> HTTPFields {
        let request = SignatureV4.Request(
            method: "POST", path: "/",
            headers: [
                (name: "content-type", value: StepFunctionsAPI.contentType), (name: "host", value: "localhost"),
                (name: "x-amz-target", value: "AWSStepFunctions.ListStateMachines"),
            ],
            body: Array(body.utf8))
        var fields = HTTPFields()
        for header in SignatureV4(credentials: credentials).sign(request, date: date) where header.name != "host" {
            fields.append(HTTPField(name: HTTPField.Name(header.name)!, value: header.value))
        }
        return fields
    }

    func harness() throws -> APIHarness {
        try APIHarness(configuration: APIConfiguration(credentials: Self.credentials), now: { Self.now })
    }

    @Test func correctlySignedRequestsPass() async throws {
        let api = try harness()
        let answer = try await api.send(headers: signedHeaders(body: "{}", credentials: Self.credentials), body: "{}")
        #expect(answer.status == 200, "\(answer.body.serialized)")
        #expect(answer.body["stateMachines"] == .array([]))
    }

    @Test func wrongSecretAnswersInvalidSignature() async throws {
        let api = try harness()
        let wrong = APICredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "not-the-secret")
        let answer = try await api.send(headers: signedHeaders(body: "{}", credentials: wrong), body: "{}")
        #expect(answer.status == 403 && answer.errorType == "InvalidSignatureException")
    }

    @Test func tamperedBodyAnswersInvalidSignature() async throws {
        let api = try harness()
        let headers = signedHeaders(body: "{}", credentials: Self.credentials)
        let answer = try await api.send(headers: headers, body: #"{"maxResults": 1}"#)
        #expect(answer.status == 403 && answer.errorType == "InvalidSignatureException")
    }

    @Test func unknownKeyAnswersUnrecognizedClient() async throws {
        let api = try harness()
        let stranger = APICredentials(accessKeyID: "AKIDOTHER", secretAccessKey: Self.credentials.secretAccessKey)
        let answer = try await api.send(headers: signedHeaders(body: "{}", credentials: stranger), body: "{}")
        #expect(answer.status == 403 && answer.errorType == "UnrecognizedClientException")
    }

    @Test func missingSignatureAnswersMissingAuthenticationToken() async throws {
        let api = try harness()
        let answer = try await api.call("ListStateMachines", "{}")
        #expect(answer.status == 403 && answer.errorType == "MissingAuthenticationTokenException")
    }

    @Test func staleDateAnswersInvalidSignature() async throws {
        let api = try harness()
        let headers = signedHeaders(body: "{}", credentials: Self.credentials, at: Self.now.addingTimeInterval(-3600))
        let answer = try await api.send(headers: headers, body: "{}")
        #expect(answer.status == 403 && answer.errorType == "InvalidSignatureException")
    }
}
