import BatonJSON
import BatonTestSupport
import Foundation
import LocalProcesses
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Debian's chromium, headless, driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: commands
/// on its fd 3, answers and events on its fd 4, each a JSON text ended by a NUL byte) — no WebSocket, no driver
/// binary. A page can be loaded, evaluated, clicked through and photographed; every uncaught exception,
/// `console.error`/`console.warn` and browser log error of its pages is collected in ``errors``.
final class HeadlessBrowser: Sendable {
    private struct State {
        var nextID = 1
        var waiting: [Int: CheckedContinuation<JSON, any Error>] = [:]
        var errors: [String] = []
        var closed = false
    }

    private let pid: pid_t
    private let profile: URL
    private let commands: Int32
    private let answers: Int32
    private let state = Mutex(State())

    /// Starts chromium; stop it with ``close()`` (``with(_:)`` does).
    private init() throws {
        guard
            let binary = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else {
            throw ProcessFailure("chromium is not installed: apt-get install -y chromium (scripts/test.sh does)")
        }
        var toBrowser: [Int32] = [0, 0]
        var fromBrowser: [Int32] = [0, 0]
        guard pipe(&toBrowser) == 0, pipe(&fromBrowser) == 0 else { throw ProcessFailure("pipe() failed") }
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)")
        let arguments = [
            binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--remote-debugging-pipe", "--window-size=1280,1000", "--user-data-dir=\(profile.path)", "about:blank",
        ]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toBrowser[0], 3)
        posix_spawn_file_actions_adddup2(&actions, fromBrowser[1], 4)
        for fd in [toBrowser[0], toBrowser[1], fromBrowser[0], fromBrowser[1]] where fd > 4 {
            posix_spawn_file_actions_addclose(&actions, fd)
        }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var argv = arguments.map { strdup($0) }
        argv.append(nil)
        defer { for pointer in argv { free(pointer) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, binary, &actions, nil, &argv, environ)
        _ = Glibc.close(toBrowser[0])
        _ = Glibc.close(fromBrowser[1])
        guard status == 0 else {
            _ = Glibc.close(toBrowser[1])
            _ = Glibc.close(fromBrowser[0])
            throw ProcessFailure("chromium did not start: posix_spawn \(status)")
        }
        pid = child
        self.profile = profile
        commands = toBrowser[1]
        answers = fromBrowser[0]
        let thread = Thread { [self] in readLoop() }
        thread.start()
    }

    /// Runs `body` with a fresh browser and stops it afterwards.
    static func with<T>(_ body: (HeadlessBrowser) async throws -> T) async throws -> T {
        let browser = try HeadlessBrowser()
        do {
            let value = try await body(browser)
            browser.close()
            return value
        } catch {
            browser.close()
            throw error
        }
    }

    /// What the pages reported as errors so far.
    var errors: [String] { state.withLock { $0.errors } }

    /// Sends one DevTools command and waits (up to 20 s) for its answer's `result`.
    @discardableResult
    func send(_ method: String, _ params: JSONObject = JSONObject(), session: String? = nil) async throws -> JSON {
        try await withThrowingTaskGroup(of: JSON.self) { group in
            group.addTask { try await self.exchange(method, params, session: session) }
            group.addTask {
                try await Task.sleep(for: .seconds(20))
                throw ProcessFailure("chromium did not answer \(method) within 20 s")
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    private func exchange(_ method: String, _ params: JSONObject, session: String?) async throws -> JSON {
        try await withCheckedThrowingContinuation { continuation in
            let id: Int? = state.withLock { state in
                guard !state.closed else { return nil }
                let id = state.nextID
                state.nextID += 1
                state.waiting[id] = continuation
                return id
            }
            guard let id else {
                continuation.resume(throwing: ProcessFailure("the browser is closed"))
                return
            }
            var message: JSONObject = ["id": .integer(Int64(id)), "method": .string(method), "params": .object(params)]
            if let session { message["sessionId"] = .string(session) }
            let bytes = Array(JSON.object(message).serialized.utf8) + [0]
            let written = bytes.withUnsafeBytes { write(commands, $0.baseAddress, $0.count) }
            if written != bytes.count {
                let waiting = state.withLock { $0.waiting.removeValue(forKey: id) }
                waiting?.resume(throwing: ProcessFailure("writing to chromium failed"))
            }
        }
    }

    /// Reads NUL-terminated messages until the pipe closes: answers resume their senders, error events are kept.
    private func readLoop() {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(answers, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            buffer += chunk[..<count]
            while let end = buffer.firstIndex(of: 0) {
                let message = Array(buffer[..<end])
                buffer.removeSubrange(...end)
                handle(message)
            }
        }
        _ = Glibc.close(answers)
        let waiting = state.withLock { state in
            state.closed = true
            defer { state.waiting = [:] }
            return Array(state.waiting.values)
        }
        for continuation in waiting { continuation.resume(throwing: ProcessFailure("chromium closed its pipe")) }
    }

    private func handle(_ bytes: [UInt8]) {
        guard let message = try? JSON(parsing: bytes) else { return }
        if let id = message["id"]?.doubleValue.map({ Int($0) }) {
            guard let continuation = state.withLock({ $0.waiting.removeValue(forKey: id) }) else { return }
            if let error = message["error"] {
                continuation.resume(throwing: ProcessFailure("DevTools error: \(error.serialized)"))
            } else {
                continuation.resume(returning: message["result"] ?? .null)
            }
            return
        }
        let params = message["params"] ?? .null
        var error: String?
        switch message["method"]?.stringValue {
        case "Runtime.exceptionThrown":
            error =
                "exception: "
                + (params["exceptionDetails"]?["exception"]?["description"]?.stringValue
                    ?? params["exceptionDetails"]?["text"]?.stringValue ?? params.serialized)
        case "Runtime.consoleAPICalled":
            if let type = params["type"]?.stringValue, type == "error" || type == "warning" || type == "assert" {
                error = "console.\(type): \(params["args"]?.serialized ?? "")"
            }
        case "Log.entryAdded":
            if params["entry"]?["level"]?.stringValue == "error" {
                error =
                    "log: \(params["entry"]?["text"]?.stringValue ?? "") \(params["entry"]?["url"]?.stringValue ?? "")"
            }
        default: break
        }
        if let error { state.withLock { $0.errors.append(error) } }
    }

    /// Stops chromium, waits for it and removes its profile.
    func close() {
        _ = Glibc.close(commands)
        kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        try? FileManager.default.removeItem(at: profile)
    }
}
