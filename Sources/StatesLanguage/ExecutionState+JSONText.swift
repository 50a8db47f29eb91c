import BatonJSON
import Foundation

/// A JSON value stored in `Codable` state as its compact text, so persisted executions stay small and need no
/// `Codable` conformance on `JSON` itself.
struct JSONText: Sendable, Hashable, Codable {
    var value: JSON

    init(_ value: JSON) { self.value = value }

    init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            value = try JSON(parsing: text)
        } catch {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: decoder.codingPath, debugDescription: "\(error)")
            )
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value.serialized)
    }
}
