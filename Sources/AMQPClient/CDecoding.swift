import CRabbitMQ

/// Copies rabbitmq-c values (which point into the connection's frame pool) into Swift values, so the pool
/// can be recycled right after a frame is handled.
enum CDecoding {
    static func string(_ bytes: amqp_bytes_t) -> String {
        guard bytes.len > 0, let base = bytes.bytes else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: base, count: bytes.len), as: UTF8.self)
    }

    static func byteArray(_ bytes: amqp_bytes_t) -> [UInt8] {
        guard bytes.len > 0, let base = bytes.bytes else { return [] }
        return Array(UnsafeRawBufferPointer(start: base, count: bytes.len))
    }

    static func table(_ table: amqp_table_t) -> AMQPTable {
        var result: AMQPTable = [:]
        guard table.num_entries > 0, let entries = table.entries else { return result }
        for index in 0..<Int(table.num_entries) {
            result[string(entries[index].key)] = value(entries[index].value)
        }
        return result
    }

    static func value(_ field: amqp_field_value_t) -> AMQPFieldValue {
        switch UInt32(field.kind) {
        case AMQP_FIELD_KIND_BOOLEAN.rawValue: .bool(field.value.boolean != 0)
        case AMQP_FIELD_KIND_I8.rawValue: .int8(field.value.i8)
        case AMQP_FIELD_KIND_U8.rawValue: .int16(Int16(field.value.u8))
        case AMQP_FIELD_KIND_I16.rawValue: .int16(field.value.i16)
        case AMQP_FIELD_KIND_U16.rawValue: .int32(Int32(field.value.u16))
        case AMQP_FIELD_KIND_I32.rawValue: .int32(field.value.i32)
        case AMQP_FIELD_KIND_U32.rawValue: .int64(Int64(field.value.u32))
        case AMQP_FIELD_KIND_I64.rawValue: .int64(field.value.i64)
        case AMQP_FIELD_KIND_U64.rawValue: .int64(Int64(truncatingIfNeeded: field.value.u64))
        case AMQP_FIELD_KIND_F32.rawValue: .float(field.value.f32)
        case AMQP_FIELD_KIND_F64.rawValue: .double(field.value.f64)
        case AMQP_FIELD_KIND_DECIMAL.rawValue:
            .decimal(scale: field.value.decimal.decimals, value: field.value.decimal.value)
        case AMQP_FIELD_KIND_UTF8.rawValue: .string(string(field.value.bytes))
        case AMQP_FIELD_KIND_BYTES.rawValue: .bytes(byteArray(field.value.bytes))
        case AMQP_FIELD_KIND_TIMESTAMP.rawValue: .timestamp(field.value.u64)
        case AMQP_FIELD_KIND_TABLE.rawValue: .table(table(field.value.table))
        case AMQP_FIELD_KIND_ARRAY.rawValue:
            .array(
                (0..<Int(max(field.value.array.num_entries, 0))).map { value(field.value.array.entries[$0]) }
            )
        default: .void
        }
    }

    static func properties(_ c: amqp_basic_properties_t) -> AMQPProperties {
        let flags = c._flags
        func text(_ flag: UInt32, _ bytes: amqp_bytes_t) -> String? { flags & flag != 0 ? string(bytes) : nil }
        var result = AMQPProperties(persistent: flags & CFlags.deliveryMode != 0 && c.delivery_mode == 2)
        result.contentType = text(CFlags.contentType, c.content_type)
        result.contentEncoding = text(CFlags.contentEncoding, c.content_encoding)
        result.correlationID = text(CFlags.correlationID, c.correlation_id)
        result.replyTo = text(CFlags.replyTo, c.reply_to)
        result.expiration = text(CFlags.expiration, c.expiration)
        result.messageID = text(CFlags.messageID, c.message_id)
        result.type = text(CFlags.type, c.type)
        result.userID = text(CFlags.userID, c.user_id)
        result.appID = text(CFlags.appID, c.app_id)
        if flags & CFlags.headers != 0 { result.headers = table(c.headers) }
        if flags & CFlags.priority != 0 { result.priority = c.priority }
        if flags & CFlags.timestamp != 0 { result.timestamp = c.timestamp }
        return result
    }
}
