import Foundation

/// JSON in and out for the CLI: AWS responses are small objects, so `JSONSerialization` is enough.
enum JSONText {
    static func encode(_ object: Any, pretty: Bool = false) throws -> String {
        var options: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed]
        if pretty { options.insert(.prettyPrinted) }
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: options), as: UTF8.self)
    }

    static func object(_ text: String) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw CLIError("the reply is not a JSON object: \(text.prefix(200))")
        }
        return object
    }

    /// Prints a response as indented JSON with sorted keys.
    static func print(_ object: Any) throws {
        Swift.print(try encode(object, pretty: true))
    }

    /// Compact JSON text of a value (for one-line summaries), or the string itself.
    static func compact(_ value: Any?) -> String {
        guard let value else { return "" }
        if let string = value as? String { return string }
        return (try? encode(value)) ?? "\(value)"
    }
}

/// Human-readable output helpers: dates, durations, aligned tables.
enum Human {
    static func date(_ value: Any?) -> String {
        guard let seconds = (value as? NSNumber)?.doubleValue else { return "-" }
        return Date(timeIntervalSince1970: seconds).formatted(
            .iso8601.year().month().day().time(includingFractionalSeconds: true))
    }

    static func duration(from start: Any?, to stop: Any?) -> String {
        guard let start = (start as? NSNumber)?.doubleValue else { return "-" }
        let end = (stop as? NSNumber)?.doubleValue ?? Date().timeIntervalSince1970
        return seconds(end - start) + (stop == nil ? " (running)" : "")
    }

    static func seconds(_ value: Double) -> String {
        value < 60 ? String(format: "%.2fs", value) : String(format: "%dm%02ds", Int(value) / 60, Int(value) % 60)
    }

    /// `key: value` lines with the keys aligned; pairs with an empty value are left out.
    static func fields(_ pairs: [(String, String)]) {
        let shown = pairs.filter { !$0.1.isEmpty }
        let width = shown.map(\.0.count).max() ?? 0
        for (key, value) in shown {
            print(key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value)
        }
    }

    /// A table with a header row; the last column is not padded.
    static func table(_ header: [String], _ rows: [[String]]) {
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        for row in [header] + rows {
            let cells = row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }
            print(cells.joined(separator: "  "))
        }
    }

    /// The name at the end of an ARN (`…:execution:machine:NAME` → `NAME`).
    static func lastSegment(_ arn: Any?) -> String {
        guard let arn = arn as? String else { return "-" }
        return arn.split(separator: ":").last.map(String.init) ?? arn
    }
}
