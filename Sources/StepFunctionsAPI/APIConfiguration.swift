import BatonJSON
import Foundation

/// How the Step Functions HTTP API behaves; every field has a documented default.
public struct APIConfiguration: Sendable {
    /// The one key pair whose SigV4 signatures are accepted; `nil` (the default) checks no signatures, like Step
    /// Functions Local.
    public var credentials: APICredentials?
    /// The largest request body accepted: a 1 MiB definition with its JSON escaping fits.
    public var maximumBodyBytes: Int = 4 * 1_048_576
    /// How long a connection may stay idle (including a client that stops sending its body) before it is closed.
    public var idleTimeout: Duration = .seconds(60)
    /// How far a signed request's `x-amz-date` may be from now (AWS allows 15 minutes).
    public var maximumClockSkew: TimeInterval = 15 * 60

    /// Creates a configuration.
    /// - Parameter credentials: the accepted key pair, or `nil` to check no signatures.
    public init(credentials: APICredentials? = nil) {
        self.credentials = credentials
    }
}

/// An AWS access key id and its secret, the only pair the API accepts when signatures are checked.
public struct APICredentials: Sendable, Hashable, CustomStringConvertible {
    /// The access key id, e.g. `AKIDEXAMPLE`.
    public var accessKeyID: String
    /// The secret access key.
    public var secretAccessKey: String

    /// Creates a key pair.
    public init(accessKeyID: String, secretAccessKey: String) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
    }

    /// Parses `ACCESS_KEY_ID:SECRET` (the `BATON_API_CREDENTIALS` form); `nil` when either part is empty.
    public init?(parsing text: String) {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let id = String(text[..<colon])
        let secret = String(text[text.index(after: colon)...])
        guard !id.isEmpty, !secret.isEmpty else { return nil }
        self.init(accessKeyID: id, secretAccessKey: secret)
    }

    /// The key id only; the secret never appears in logs.
    public var description: String { "\(accessKeyID):***" }
}
