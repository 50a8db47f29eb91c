import StatesLanguage

/// Typed access to an AWS request body's fields, with AWS's validation errors.
struct RequestFields {
    let body: JSONObject
    let action: String

    func string(_ name: String) throws(APIError) -> String {
        guard let value = try optionalString(name) else {
            throw APIError(.validation, "1 validation error detected: Value null at '\(name)' failed to satisfy "
                + "constraint: Member must not be null")
        }
        return value
    }

    func optionalString(_ name: String) throws(APIError) -> String? {
        guard let value = body[name], value != .null else { return nil }
        guard case .string(let text) = value else {
            throw APIError(.serialization, "field '\(name)' of \(action) must be a string")
        }
        return text
    }

    func optionalBool(_ name: String) throws(APIError) -> Bool? {
        guard let value = body[name], value != .null else { return nil }
        guard case .bool(let flag) = value else {
            throw APIError(.serialization, "field '\(name)' of \(action) must be a boolean")
        }
        return flag
    }

    /// `maxResults`: 0 or absent means the default; AWS allows at most 1000.
    func maxResults(default defaultValue: Int = 100) throws(APIError) -> Int {
        guard let value = body["maxResults"], value != .null else { return defaultValue }
        guard case .integer(let number) = value, (0...1000).contains(number) else {
            throw APIError(.validation, "maxResults must be an integer from 0 to 1000")
        }
        return number == 0 ? defaultValue : Int(number)
    }
}
