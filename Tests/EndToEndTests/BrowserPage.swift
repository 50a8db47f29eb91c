import BatonJSON
import BatonTestSupport
import Foundation
import LocalProcesses

/// One tab of a ``HeadlessBrowser``: navigate, evaluate JavaScript, wait for a condition, photograph.
struct BrowserPage: Sendable {
    let browser: HeadlessBrowser
    let session: String

    /// Opens a tab with its error reporting on, then loads `url` into it.
    static func open(_ url: URL, in browser: HeadlessBrowser) async throws -> BrowserPage {
        let target = try await browser.send("Target.createTarget", ["url": "about:blank"])
        let targetID = try requireString(target["targetId"], "targetId")
        let attached = try await browser.send(
            "Target.attachToTarget", ["targetId": .string(targetID), "flatten": true])
        let page = BrowserPage(browser: browser, session: try requireString(attached["sessionId"], "sessionId"))
        for domain in ["Runtime.enable", "Log.enable", "Page.enable"] {
            try await browser.send(domain, session: page.session)
        }
        try await page.navigate(url)
        return page
    }

    /// Loads `url` and waits until the document is complete.
    func navigate(_ url: URL) async throws {
        // A mark on the page being left tells it apart from the page that replaces it.
        _ = try? await evaluate("window.__leaving = true")
        try await browser.send("Page.navigate", ["url": .string(url.absoluteString)], session: session)
        try await waitUntil("window.__leaving === undefined && document.readyState === 'complete'")
    }

    /// The value of a JavaScript expression (promises awaited).
    func evaluate(_ expression: String) async throws -> JSON {
        let result = try await browser.send(
            "Runtime.evaluate", ["expression": .string(expression), "returnByValue": true, "awaitPromise": true],
            session: session)
        if let details = result["exceptionDetails"] {
            throw ProcessFailure("the expression threw: \(details.serialized)")
        }
        return result["result"]?["value"] ?? .null
    }

    /// Waits until `expression` is true; fails with the expression and `describe`'s value after `deadline`.
    func waitUntil(
        _ expression: String, deadline: Duration = .seconds(15),
        describe: String = "document.body && document.body.innerText.slice(0, 400)"
    ) async throws {
        let end = ContinuousClock.now.advanced(by: deadline)
        while ContinuousClock.now < end {
            if (try? await evaluate(expression))?.boolValue == true { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        let seen = (try? await evaluate(describe))?.stringValue ?? "?"
        throw ProcessFailure("not true within \(deadline): \(expression) — page shows: \(seen)")
    }

    /// Writes a PNG of the whole page.
    func screenshot(to file: URL) async throws {
        let shot = try await browser.send(
            "Page.captureScreenshot", ["format": "png", "captureBeyondViewport": true], session: session)
        guard let data = shot["data"]?.stringValue.flatMap({ Data(base64Encoded: $0) }) else {
            throw ProcessFailure("no screenshot data")
        }
        try FileManager.default.createDirectory(
            at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: file)
    }

    /// A JavaScript string literal.
    static func literal(_ text: String) -> String {
        JSON.string(text).serialized
    }
}

/// The string in `value`, or a failure naming `what`.
private func requireString(_ value: JSON?, _ what: String) throws -> String {
    guard let text = value?.stringValue else { throw ProcessFailure("DevTools answered without \(what)") }
    return text
}
