import Foundation
import Logging

/// Logging for Baton's executables: one line per record on standard error, as text (`2026-11-23T10:00:00.123Z
/// info orchestrator: callback accepted execution.arn=…`) or JSON (one object per line). Only executables call
/// `bootstrap`; libraries take a `Logger`.
public enum LogSetup {
    /// Bootstraps swift-log once for the process.
    /// - Parameters:
    ///   - label: the process name shown on every line.
    ///   - level: the minimum level name.
    ///   - format: `text` or `json`.
    /// - Returns: the process's root logger.
    public static func bootstrap(label: String, level: String, format: String) -> Logger {
        let minimum = Self.level(named: level) ?? .info
        let json = format == "json"
        LoggingSystem.bootstrap { label in
            var handler = LineLogHandler(label: label, json: json)
            handler.logLevel = minimum
            return handler
        }
        return Logger(label: label)
    }

    /// The swift-log level for a name, `nil` for an unknown name.
    public static func level(named name: String) -> Logger.Level? {
        Logger.Level(rawValue: name.lowercased())
    }
}

/// Writes each record as one line to standard error with a single `write`, so lines of concurrent tasks never
/// interleave.
struct LineLogHandler: LogHandler {
    let label: String
    let json: Bool
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let timestamp = Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true))
        var line: String
        if json {
            var object: [String: String] = [
                "ts": timestamp, "level": event.level.rawValue, "logger": label, "msg": "\(event.message)",
            ]
            for (key, value) in merged { object[key] = "\(value)" }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            line = String(decoding: data, as: UTF8.self)
        } else {
            line = "\(timestamp) \(event.level.rawValue) \(label): \(event.message)"
            for key in merged.keys.sorted() { line += " \(key)=\(merged[key]!)" }
        }
        line += "\n"
        line.utf8CString.withUnsafeBufferPointer { buffer in
            _ = Foundation.write(2, buffer.baseAddress, buffer.count - 1)
        }
    }
}
