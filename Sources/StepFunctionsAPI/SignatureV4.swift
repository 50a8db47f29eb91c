import Crypto
import Foundation
import OrchestratorCore

/// AWS Signature Version 4 for requests to the API: the verifier the API runs when credentials are configured,
/// and the signer tests use. Only the `Authorization` header form is supported (no presigned query strings).
///
/// The canonical request follows AWS's rules: method, URI path, sorted query, the signed headers lower-cased
/// with trimmed, space-collapsed values, the signed header list and the hex SHA-256 of the body.
package struct SignatureV4: Sendable {
    /// The key pair accepted.
    package let credentials: APICredentials
    /// The allowed distance between `x-amz-date` and now.
    package var maximumClockSkew: TimeInterval = 15 * 60

    /// A request as the verifier sees it.
    package struct Request: Sendable {
        /// `POST`, `GET`, …
        package var method: String
        /// The URI path, e.g. `/`.
        package var path: String
        /// The raw query string, without `?`.
        package var query: String
        /// Header names (any case) and values, in arrival order; include `host`.
        package var headers: [(name: String, value: String)]
        /// The body bytes.
        package var body: [UInt8]

        /// Creates a request.
        package init(
            method: String, path: String, query: String = "", headers: [(name: String, value: String)],
            body: [UInt8]
        ) {
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
            self.body = body
        }

        func values(_ name: String) -> [String] {
            headers.filter { $0.name.lowercased() == name }.map(\.value)
        }
    }

    /// Creates a verifier/signer for one key pair.
    package init(credentials: APICredentials) {
        self.credentials = credentials
    }

    /// Checks a request's signature.
    /// - Throws: `APIError` — MissingAuthenticationTokenException without an `Authorization` header,
    ///   IncompleteSignatureException for a malformed one, UnrecognizedClientException for another access key,
    ///   InvalidSignatureException for a wrong signature, body hash or an expired date.
    package func verify(_ request: Request, now: Date) throws(APIError) {
        guard let authorization = request.values("authorization").first else {
            throw APIError(.missingAuthenticationToken, "Missing Authentication Token")
        }
        let parts = try Self.parse(authorization)
        let scope = parts.credential.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard scope.count == 5, scope[4] == "aws4_request" else {
            throw APIError(Self.incomplete, "Credential should be scoped to a valid region, a service and aws4_request")
        }
        guard scope[0] == credentials.accessKeyID else {
            throw APIError(.unrecognizedClient, "The security token included in the request is invalid.")
        }
        let signed = parts.signedHeaders.split(separator: ";").map(String.init)
        guard signed.contains("host") else {
            throw APIError(Self.incomplete, "Signed headers must include 'host'")
        }
        guard let amzDate = request.values("x-amz-date").first, let date = Self.parse(amzDate: amzDate) else {
            throw APIError(Self.incomplete, "Authorization header requires existence of a valid 'X-Amz-Date' header")
        }
        guard abs(date.timeIntervalSince(now)) <= maximumClockSkew else {
            throw APIError(.invalidSignature, "Signature expired: \(amzDate) is outside the allowed 15-minute window")
        }
        guard amzDate.hasPrefix(scope[1]) else {
            throw APIError(.invalidSignature, "Date in Credential scope does not match the date of the request")
        }
        let payloadHash = Self.hex(SHA256.hash(data: request.body))
        if let claimed = request.values("x-amz-content-sha256").first, claimed != payloadHash {
            throw APIError(
                .invalidSignature, "The provided 'x-amz-content-sha256' header does not match what was computed.")
        }
        let expected = signature(
            request, signedHeaders: signed, amzDate: amzDate, scope: scope[1...4].joined(separator: "/"),
            payloadHash: payloadHash)
        guard Self.constantTimeEqual(Array(expected.utf8), Array(parts.signature.utf8)) else {
            throw APIError(
                .invalidSignature,
                "The request signature we calculated does not match the signature you provided. Check your AWS "
                    + "Secret Access Key and signing method. Consult the service documentation for details.")
        }
    }

    /// Signs a request: returns its headers plus `x-amz-date` and `authorization` (for tests and tools).
    /// - Parameters:
    ///   - request: the request; its headers must include `host`.
    ///   - date: the signing time.
    ///   - region: the region of the credential scope.
    ///   - service: the service of the credential scope (`states`).
    package func sign(_ request: Request, date: Date, region: String = "us-east-1", service: String = "states")
        -> [(name: String, value: String)]
    {
        let amzDate = Self.amzDateFormat(date)
        var request = request
        request.headers.append((name: "x-amz-date", value: amzDate))
        let signed = Set(request.headers.map { $0.name.lowercased() }).sorted()
        let scope = "\(amzDate.prefix(8))/\(region)/\(service)/aws4_request"
        let value = signature(
            request, signedHeaders: signed, amzDate: amzDate, scope: scope,
            payloadHash: Self.hex(SHA256.hash(data: request.body)))
        return request.headers + [
            (
                name: "authorization",
                value: "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), "
                    + "SignedHeaders=\(signed.joined(separator: ";")), Signature=\(value)"
            )
        ]
    }

    private func signature(
        _ request: Request, signedHeaders: [String], amzDate: String, scope: String, payloadHash: String
    ) -> String {
        let canonicalHeaders = signedHeaders.map { name in
            let values = request.values(name).map { value in
                value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
            }
            return "\(name):\(values.joined(separator: ","))\n"
        }.joined()
        let canonicalRequest = [
            request.method, Self.canonicalPath(request.path), Self.canonicalQuery(request.query), canonicalHeaders,
            signedHeaders.joined(separator: ";"), payloadHash,
        ].joined(separator: "\n")
        let stringToSign = [
            "AWS4-HMAC-SHA256", amzDate, scope, Self.hex(SHA256.hash(data: Array(canonicalRequest.utf8))),
        ].joined(separator: "\n")
        var key = SymmetricKey(data: Array("AWS4\(credentials.secretAccessKey)".utf8))
        for part in scope.split(separator: "/") {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        return Self.hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
    }
}

extension SignatureV4 {
    static let incomplete = APIError.Code.named("IncompleteSignatureException", status: 403)

    /// The three fields of an `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` header.
    static func parse(_ header: String) throws(APIError) -> (
        credential: String, signedHeaders: String, signature: String
    ) {
        let prefix = "AWS4-HMAC-SHA256 "
        guard header.hasPrefix(prefix) else {
            throw APIError(Self.incomplete, "Authorization header must use the AWS4-HMAC-SHA256 algorithm")
        }
        var fields: [String: String] = [:]
        for item in header.dropFirst(prefix.count).split(separator: ",") {
            let pair = item.trimmingCharacters(in: .whitespaces)
            guard let equals = pair.firstIndex(of: "=") else { continue }
            fields[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        guard let credential = fields["Credential"], let signed = fields["SignedHeaders"],
            let signature = fields["Signature"]
        else {
            throw APIError(
                Self.incomplete, "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature'")
        }
        return (credential, signed, signature)
    }

    static func parse(amzDate: String) -> Date? {
        let format = Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day().dateTimeSeparator(.standard)
            .time(includingFractionalSeconds: false).timeSeparator(.omitted).dateSeparator(.omitted)
        return try? format.parse(amzDate)
    }

    static func amzDateFormat(_ date: Date) -> String {
        let format = Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day().dateTimeSeparator(.standard)
            .time(includingFractionalSeconds: false).timeSeparator(.omitted).dateSeparator(.omitted)
        return date.formatted(format)
    }

    static func canonicalPath(_ path: String) -> String {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            encode(String(segment).removingPercentEncoding ?? String(segment))
        }
        let joined = segments.joined(separator: "/")
        return joined.isEmpty ? "/" : joined
    }

    static func canonicalQuery(_ query: String) -> String {
        query.split(separator: "&").map { item -> (String, String) in
            let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
                encode(String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0))
            }
            return (pair[0], pair.count > 1 ? pair[1] : "")
        }
        .sorted { $0 < $1 }
        .map { "\($0.0)=\($0.1)" }
        .joined(separator: "&")
    }

    /// RFC 3986 encoding: everything but unreserved characters as `%XX`.
    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(UnicodeScalar(byte))
            default: out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }
}
