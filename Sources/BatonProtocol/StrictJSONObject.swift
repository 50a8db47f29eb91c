import BatonJSON
import Foundation

/// A decoded JSON object read field by field with strict checks: every field must be known, present when
/// required and of the right type and length. Used by every wire message decoder in this module.
struct StrictJSONObject {
    private let fields: JSONObject
    private let kind: String

    /// Parses `body` as one JSON object no larger than `maximumBytes`, whose keys are all in `allowed`.
    init(_ body: some Collection<UInt8>, kind: String, maximumBytes: Int, allowed: Set<String>) throws(ProtocolError) {
        guard body.count <= maximumBytes else {
            throw ProtocolError(
                .tooLarge, "\(kind) message of \(body.count) bytes exceeds the limit of \(maximumBytes)")
        }
        let parsed: JSON
        do {
            parsed = try JSON(parsing: body)
        } catch {
            throw ProtocolError(.malformedJSON, "\(kind) message is not valid JSON")
        }
        guard case .object(let object) = parsed else {
            throw ProtocolError(.malformedJSON, "\(kind) message must be a JSON object")
        }
        if let unknown = object.keys.filter({ !allowed.contains($0) }).sorted().first {
            throw ProtocolError(.unknownField, "\(kind) message has unknown field '\(unknown)'")
        }
        self.fields = object
        self.kind = kind
    }

    /// Whether a field is present with a value other than JSON null.
    func has(_ name: String) -> Bool {
        guard let raw = fields[name] else { return false }
        return raw != .null
    }

    /// A required string field whose length in characters lies in `length`.
    func string(_ name: String, length: ClosedRange<Int>) throws(ProtocolError) -> String {
        guard let value = try optionalString(name, length: length) else {
            throw ProtocolError(.missingField, "\(kind) message lacks required field '\(name)'")
        }
        return value
    }

    /// An optional string field (absent or JSON null → `nil`) whose length in characters lies in `length`.
    func optionalString(_ name: String, length: ClosedRange<Int>) throws(ProtocolError) -> String? {
        guard let raw = fields[name], raw != .null else { return nil }
        guard case .string(let value) = raw else {
            throw ProtocolError(.wrongType, "\(kind) field '\(name)' must be a string")
        }
        guard length.contains(value.count) else {
            throw ProtocolError(
                .wrongType,
                "\(kind) field '\(name)' has \(value.count) characters; allowed \(length.lowerBound)...\(length.upperBound)"
            )
        }
        return value
    }
}
