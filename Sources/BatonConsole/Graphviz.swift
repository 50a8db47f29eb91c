import Foundation
import Synchronization

/// Lays out DOT text as SVG with Graphviz's `dot` (Debian's `graphviz` package), off the engine's tasks, and
/// keeps the drawings of the last few dozen definitions (a revision's drawing never changes).
package final class Graphviz: Sendable {
    /// Why there is no drawing.
    package struct Failure: Error, Sendable, CustomStringConvertible {
        /// What went wrong, for the page.
        package var description: String
    }

    /// The `dot` executable.
    package let executable: String
    private let cache = Mutex<[String: String]>([:])
    private static let cacheLimit = 64

    /// Creates a renderer over a `dot` executable.
    package init(executable: String = "/usr/bin/dot") {
        self.executable = executable
    }

    /// The SVG element of a graph, `<svg …>…</svg>`, without the XML prolog; cached by `key`.
    /// - Throws: ``Failure`` when `dot` is missing, fails or takes longer than 10 seconds.
    package func svg(_ dot: String, key: String) async throws(Failure) -> String {
        if let cached = cache.withLock({ $0[key] }) { return cached }
        let svg = try await render(dot)
        cache.withLock { cache in
            if cache.count >= Self.cacheLimit { cache.removeAll() }
            cache[key] = svg
        }
        return svg
    }

    private func render(_ dot: String) async throws(Failure) -> String {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw Failure(description: "Graphviz is not installed (\(executable)): apt-get install graphviz")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("baton-dot-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("graph.dot")
        let output = directory.appendingPathComponent("graph.svg")
        let process = Process()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(dot.utf8).write(to: input)
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = ["-Tsvg", "-o", output.path, input.path]
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            let finished = Finished()
            let status: Int32 = try await withCheckedThrowingContinuation { continuation in
                process.terminationHandler = { ended in
                    finished.flag.withLock { $0 = true }
                    continuation.resume(returning: ended.terminationStatus)
                }
                do {
                    try process.run()
                } catch {
                    process.terminationHandler = nil
                    continuation.resume(throwing: error)
                    return
                }
                // A layout that runs away is killed; the termination handler then answers.
                let pid = process.processIdentifier
                DispatchQueue.global().asyncAfter(deadline: .now() + 10) {
                    finished.flag.withLock { done in if !done { kill(pid, SIGKILL) } }
                }
            }
            guard status == 0 else { throw Failure(description: "dot exited with status \(status)") }
            let text = try String(contentsOf: output, encoding: .utf8)
            guard let start = text.range(of: "<svg") else { throw Failure(description: "dot wrote no SVG") }
            return String(text[start.lowerBound...])
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(description: "dot could not run: \(error)")
        }
    }
}

/// Whether a `dot` process has ended; the flag is read and written under its own lock, so the watchdog never
/// signals a pid that was already reaped (and perhaps reused).
private final class Finished: Sendable {
    let flag = Mutex(false)
}
