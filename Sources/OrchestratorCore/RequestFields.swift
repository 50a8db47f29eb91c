import BatonJSON
import StatesLanguage

/// Typed access to an AWS request body's fields, with the constraints of AWS's service model (botocore's
/// `stepfunctions/2016-11-23/service-2.json`) and AWS's validation errors. Unknown fields are ignored, as AWS does.
struct RequestFields {
    let body: JSONObject
    let action: String

    /// Field lengths of the service model's shapes.
    enum Length {
        static let arn = 1...256
        static let definition = 1...1_048_576
        static let pageToken = 1...1024
        static let executionsPageToken = 1...3096
        static let taskToken = 1...2048
        static let error = 0...256
        static let cause = 0...32_768
        static let traceHeader = 0...256
        static let versionDescription = 0...256
    }

    /// A required string.
    /// - Throws: ValidationException when absent or outside `length`, SerializationException when not a string.
    func string(_ name: String, length: ClosedRange<Int>? = nil) throws(APIError) -> String {
        guard let value = try optionalString(name, length: length) else {
            throw APIError(
                .validation,
                "1 validation error detected: Value null at '\(name)' failed to satisfy "
                    + "constraint: Member must not be null")
        }
        return value
    }

    /// An optional string.
    /// - Throws: ValidationException outside `length`, SerializationException when not a string.
    func optionalString(_ name: String, length: ClosedRange<Int>? = nil) throws(APIError) -> String? {
        guard let value = body[name], value != .null else { return nil }
        guard case .string(let text) = value else {
            throw APIError(.serialization, "field '\(name)' of \(action) must be a string")
        }
        if let length {
            let count = text.count
            if count < length.lowerBound {
                throw Self.constraint(name, "Member must have length greater than or equal to \(length.lowerBound)")
            }
            if count > length.upperBound {
                throw Self.constraint(name, "Member must have length less than or equal to \(length.upperBound)")
            }
        }
        return text
    }

    /// An optional string that must be one of `values` (a service-model enum).
    /// - Throws: ValidationException for any other value.
    func optionalEnum(_ name: String, _ values: [String]) throws(APIError) -> String? {
        guard let value = try optionalString(name) else { return nil }
        guard values.contains(value) else {
            throw Self.constraint(name, "Member must satisfy enum value set: [\(values.joined(separator: ", "))]")
        }
        return value
    }

    /// An optional ARN (1–256 characters).
    func optionalArn(_ name: String) throws(APIError) -> String? {
        try optionalString(name, length: Length.arn)
    }

    /// A required ARN (1–256 characters).
    func arn(_ name: String) throws(APIError) -> String {
        try string(name, length: Length.arn)
    }

    func optionalBool(_ name: String) throws(APIError) -> Bool? {
        guard let value = body[name], value != .null else { return nil }
        guard case .bool(let flag) = value else {
            throw APIError(.serialization, "field '\(name)' of \(action) must be a boolean")
        }
        return flag
    }

    /// `maxResults`: 0 or absent means the default; at most `limit` (1000 for AWS's PageSize).
    func maxResults(default defaultValue: Int = 100, limit: Int = 1000) throws(APIError) -> Int {
        guard let value = body["maxResults"], value != .null else { return defaultValue }
        guard case .integer(let number) = value else {
            throw APIError(.serialization, "field 'maxResults' of \(action) must be an integer")
        }
        if number < 0 { throw Self.constraint("maxResults", "Member must have value greater than or equal to 0") }
        if number > limit {
            throw Self.constraint("maxResults", "Member must have value less than or equal to \(limit)")
        }
        return number == 0 ? defaultValue : Int(number)
    }

    static func constraint(_ name: String, _ rule: String) -> APIError {
        APIError(.validation, "1 validation error detected: Value at '\(name)' failed to satisfy constraint: \(rule)")
    }
}
