import Foundation

/// The history events one transition appends, stored together in one row of `history` (the rows of one execution
/// cover its event ids 1, 2, 3… without gaps or overlaps). One row per transition instead of one per event: a
/// callback's TaskSucceeded, TaskStateExited and ExecutionSucceeded cost one insert, not three.
///
/// The blob holds the events in id order, each as: previous event id, timestamp (milliseconds since 1970, zigzag),
/// type length and bytes, details length and bytes — every integer an unsigned LEB128 varint.
enum HistoryChunk {
    /// The blob for `events`, numbered from `firstID` (an event without a previous id points at the one before).
    static func encode(_ events: [NewHistoryEvent], firstID: Int64) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(events.reduce(0) { $0 + $1.details.count + $1.type.utf8.count + 16 })
        for (offset, event) in events.enumerated() {
            let id = firstID + Int64(offset)
            appendVarint(UInt64(max(0, event.previousEventID ?? id - 1)), to: &out)
            let milliseconds = event.timestamp.millisecondsSince1970
            appendVarint(UInt64(bitPattern: (milliseconds << 1) ^ (milliseconds >> 63)), to: &out)
            appendVarint(UInt64(event.type.utf8.count), to: &out)
            out.append(contentsOf: event.type.utf8)
            appendVarint(UInt64(event.details.count), to: &out)
            out.append(contentsOf: event.details)
        }
        return out
    }

    /// The events of a stored chunk.
    /// - Throws: ``ExecutionStoreError`` `database` when the blob is not a chunk (a damaged file).
    static func decode(_ blob: [UInt8], executionID: Int64, firstID: Int64) throws -> [HistoryEvent] {
        let damaged = ExecutionStoreError(
            .database, message: "the history of execution \(executionID) at event \(firstID) is damaged")
        var events: [HistoryEvent] = []
        var index = 0
        var id = firstID
        func varint() throws -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while index < blob.count, shift < 64 {
                let byte = blob[index]
                index += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
            }
            throw damaged
        }
        func bytes(_ count: UInt64) throws -> ArraySlice<UInt8> {
            guard count <= UInt64(blob.count - index) else { throw damaged }
            defer { index += Int(count) }
            return blob[index..<index + Int(count)]
        }
        while index < blob.count {
            let previous = Int64(bitPattern: try varint())
            let zigzag = try varint()
            let milliseconds = Int64(bitPattern: zigzag >> 1) ^ -Int64(bitPattern: zigzag & 1)
            let type = String(decoding: try bytes(try varint()), as: UTF8.self)
            let details = Data(try bytes(try varint()))
            events.append(
                HistoryEvent(
                    executionID: executionID, id: id, previousEventID: previous, type: type,
                    timestamp: Date(millisecondsSince1970: milliseconds), details: details))
            id += 1
        }
        return events
    }

    private static func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        out.append(UInt8(value))
    }
}
