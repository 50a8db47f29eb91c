import CRabbitMQ

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Owns C memory handed to rabbitmq-c for the duration of one call (strings, tables, properties).
///
/// Confined to the connection thread that creates it; everything is freed when the arena is released.
final class CArena {
    private var allocations: [UnsafeMutableRawPointer] = []

    deinit {
        for pointer in allocations { free(pointer) }
    }

    private func allocate(_ size: Int) -> UnsafeMutableRawPointer {
        let pointer = malloc(max(size, 1))!
        allocations.append(pointer)
        return pointer
    }

    /// Copies `text` (no NUL needed: `amqp_bytes_t` carries a length).
    func bytes(_ text: String) -> amqp_bytes_t {
        var text = text
        return text.withUTF8 { utf8 in bytes(UnsafeRawBufferPointer(utf8)) }
    }

    /// Copies raw bytes.
    func bytes(_ buffer: UnsafeRawBufferPointer) -> amqp_bytes_t {
        guard buffer.count > 0, let base = buffer.baseAddress else { return amqp_empty_bytes }
        let pointer = allocate(buffer.count)
        pointer.copyMemory(from: base, byteCount: buffer.count)
        return amqp_bytes_t(len: buffer.count, bytes: pointer)
    }

    /// A NUL-terminated copy of `text`.
    func cString(_ text: String) -> UnsafePointer<CChar> {
        let utf8 = Array(text.utf8CString)
        let pointer = allocate(utf8.count).bindMemory(to: CChar.self, capacity: utf8.count)
        pointer.initialize(from: utf8, count: utf8.count)
        return UnsafePointer(pointer)
    }

    /// Encodes a table; entries are sorted by key so the wire form is deterministic.
    func table(_ table: AMQPTable) -> amqp_table_t {
        guard !table.isEmpty else { return amqp_empty_table }
        let entries = allocate(MemoryLayout<amqp_table_entry_t>.stride * table.count)
            .bindMemory(to: amqp_table_entry_t.self, capacity: table.count)
        for (index, key) in table.keys.sorted().enumerated() {
            entries[index] = amqp_table_entry_t(key: bytes(key), value: value(table[key]!))
        }
        return amqp_table_t(num_entries: Int32(table.count), entries: entries)
    }

    /// Encodes one field value.
    func value(_ value: AMQPFieldValue) -> amqp_field_value_t {
        var field = amqp_field_value_t()
        func kind(_ kind: amqp_field_value_kind_t) { field.kind = UInt8(kind.rawValue) }
        switch value {
        case .bool(let v): kind(AMQP_FIELD_KIND_BOOLEAN); field.value.boolean = v ? 1 : 0
        case .int8(let v): kind(AMQP_FIELD_KIND_I8); field.value.i8 = v
        case .int16(let v): kind(AMQP_FIELD_KIND_I16); field.value.i16 = v
        case .int32(let v): kind(AMQP_FIELD_KIND_I32); field.value.i32 = v
        case .int64(let v): kind(AMQP_FIELD_KIND_I64); field.value.i64 = v
        case .float(let v): kind(AMQP_FIELD_KIND_F32); field.value.f32 = v
        case .double(let v): kind(AMQP_FIELD_KIND_F64); field.value.f64 = v
        case .decimal(let scale, let v):
            kind(AMQP_FIELD_KIND_DECIMAL); field.value.decimal = amqp_decimal_t(decimals: scale, value: v)
        case .string(let v): kind(AMQP_FIELD_KIND_UTF8); field.value.bytes = bytes(v)
        case .bytes(let v): kind(AMQP_FIELD_KIND_BYTES); field.value.bytes = v.withUnsafeBytes { bytes($0) }
        case .timestamp(let v): kind(AMQP_FIELD_KIND_TIMESTAMP); field.value.u64 = v
        case .table(let v): kind(AMQP_FIELD_KIND_TABLE); field.value.table = table(v)
        case .void: kind(AMQP_FIELD_KIND_VOID)
        case .array(let values):
            kind(AMQP_FIELD_KIND_ARRAY)
            let entries = allocate(MemoryLayout<amqp_field_value_t>.stride * max(values.count, 1))
                .bindMemory(to: amqp_field_value_t.self, capacity: max(values.count, 1))
            for (index, element) in values.enumerated() { entries[index] = self.value(element) }
            field.value.array = amqp_array_t(num_entries: Int32(values.count), entries: entries)
        }
        return field
    }

    /// Encodes message properties.
    func properties(_ properties: AMQPProperties) -> amqp_basic_properties_t {
        var result = amqp_basic_properties_t()
        var flags: UInt32 = CFlags.deliveryMode
        result.delivery_mode = properties.persistent ? 2 : 1
        func set(_ value: String?, _ flag: UInt32, _ field: WritableKeyPath<amqp_basic_properties_t, amqp_bytes_t>) {
            guard let value else { return }
            result[keyPath: field] = bytes(value)
            flags |= flag
        }
        set(properties.contentType, CFlags.contentType, \.content_type)
        set(properties.contentEncoding, CFlags.contentEncoding, \.content_encoding)
        set(properties.correlationID, CFlags.correlationID, \.correlation_id)
        set(properties.replyTo, CFlags.replyTo, \.reply_to)
        set(properties.expiration, CFlags.expiration, \.expiration)
        set(properties.messageID, CFlags.messageID, \.message_id)
        set(properties.type, CFlags.type, \.type)
        set(properties.userID, CFlags.userID, \.user_id)
        set(properties.appID, CFlags.appID, \.app_id)
        if !properties.headers.isEmpty {
            result.headers = table(properties.headers)
            flags |= CFlags.headers
        }
        if let priority = properties.priority {
            result.priority = priority
            flags |= CFlags.priority
        }
        if let timestamp = properties.timestamp {
            result.timestamp = timestamp
            flags |= CFlags.timestamp
        }
        result._flags = flags
        return result
    }
}

/// The `AMQP_BASIC_*_FLAG` bits (macros with shifts, spelled out here).
enum CFlags {
    static let contentType: UInt32 = 1 << 15
    static let contentEncoding: UInt32 = 1 << 14
    static let headers: UInt32 = 1 << 13
    static let deliveryMode: UInt32 = 1 << 12
    static let priority: UInt32 = 1 << 11
    static let correlationID: UInt32 = 1 << 10
    static let replyTo: UInt32 = 1 << 9
    static let expiration: UInt32 = 1 << 8
    static let messageID: UInt32 = 1 << 7
    static let timestamp: UInt32 = 1 << 6
    static let type: UInt32 = 1 << 5
    static let userID: UInt32 = 1 << 4
    static let appID: UInt32 = 1 << 3
}
