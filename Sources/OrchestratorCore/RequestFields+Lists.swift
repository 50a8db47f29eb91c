import BatonJSON
import ExecutionStore

/// The list-valued fields of the versioning and tagging actions: routing configurations, tags and tag keys.
extension RequestFields {
    /// An optional list of objects.
    /// - Throws: SerializationException when not a list of objects.
    func optionalObjects(_ name: String) throws(APIError) -> [JSONObject]? {
        guard let value = body[name], value != .null else { return nil }
        guard case .array(let items) = value else {
            throw APIError(.serialization, "field '\(name)' of \(action) must be a list")
        }
        var objects: [JSONObject] = []
        for item in items {
            guard case .object(let object) = item else {
                throw APIError(.serialization, "the members of '\(name)' of \(action) must be objects")
            }
            objects.append(object)
        }
        return objects
    }

    /// An optional list of strings.
    /// - Throws: SerializationException when not a list of strings.
    func optionalStrings(_ name: String) throws(APIError) -> [String]? {
        guard let value = body[name], value != .null else { return nil }
        guard case .array(let items) = value else {
            throw APIError(.serialization, "field '\(name)' of \(action) must be a list")
        }
        var strings: [String] = []
        for item in items {
            guard case .string(let text) = item else {
                throw APIError(.serialization, "the members of '\(name)' of \(action) must be strings")
            }
            strings.append(text)
        }
        return strings
    }

    /// The `tags` field (a TagList): each key 1–128 characters and each value 0–256, both of AWS's tag characters
    /// (letters, digits, spaces and `_ . : / = + - @`), no key with the reserved `aws:` prefix.
    /// - Throws: ValidationException for a tag that breaks a rule, SerializationException for a wrong type.
    func tags(_ name: String = "tags") throws(APIError) -> [ResourceTag]? {
        guard let objects = try optionalObjects(name) else { return nil }
        var tags: [ResourceTag] = []
        for (index, object) in objects.enumerated() {
            let member = RequestFields(body: object, action: action)
            let path = "\(name).\(index + 1).member"
            let key = try member.optionalString("key") ?? ""
            let value = try member.optionalString("value") ?? ""
            try Self.checkTagKey(key, path: "\(path).key")
            guard ResourceTagRules.valueLength.contains(value.count) else {
                throw Self.constraint("\(path).value", "Member must have length less than or equal to 256")
            }
            guard Self.isTagText(value) else {
                throw Self.constraint(
                    "\(path).value", "Member must satisfy regular expression pattern: \(Self.tagPattern)")
            }
            tags.append(ResourceTag(key: key, value: value))
        }
        return tags
    }

    /// Checks one tag key.
    /// - Throws: ValidationException.
    static func checkTagKey(_ key: String, path: String) throws(APIError) {
        guard key.count >= ResourceTagRules.keyLength.lowerBound else {
            throw constraint(path, "Member must have length greater than or equal to 1")
        }
        guard key.count <= ResourceTagRules.keyLength.upperBound else {
            throw constraint(path, "Member must have length less than or equal to 128")
        }
        guard isTagText(key) else {
            throw constraint(path, "Member must satisfy regular expression pattern: \(tagPattern)")
        }
        guard !key.lowercased().hasPrefix("aws:") else {
            throw APIError(.validation, "Tag keys must not begin with the reserved prefix 'aws:': '\(key.prefix(128))'")
        }
    }

    static let tagPattern = "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$"

    /// Whether a text has only the characters AWS allows in tags.
    static func isTagText(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { scalar in
            let properties = scalar.properties
            return properties.isAlphabetic || properties.numericType != nil
                || properties.generalCategory == .spaceSeparator || "_.:/=+-@".unicodeScalars.contains(scalar)
        }
    }
}
