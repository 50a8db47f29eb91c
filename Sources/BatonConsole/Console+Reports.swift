import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The reports directory (`BATON_REPORTS_DIR`): the files `baton loadtest --report/--html` and `baton chaos
/// --report` wrote there, listed newest first and opened from the console. Only plain files directly in that
/// directory with a report's extension are served; a report's HTML runs sandboxed (no scripts, no requests).
extension Console {
    static let reportTypes = [
        "html": "text/html; charset=utf-8", "json": "application/json", "md": "text/plain; charset=utf-8",
    ]

    /// `/console/reports`.
    func reportsPage() throws -> Response {
        guard let directory = configuration.reportsDirectory else {
            return Self.html(
                HTML.page(
                    title: "Reports", current: "reports",
                    body: "<p id=\"no-reports-dir\">No reports directory: start the orchestrator with "
                        + "<code>--reports-dir DIR</code> (<code>BATON_REPORTS_DIR</code>) and write "
                        + "<code>baton loadtest --report/--html</code> and <code>baton chaos --report</code> files there.</p>"
                ))
        }
        let reports = Self.reports(in: directory)
        var body = "<p>Files in <code>\(HTML.escape(directory))</code>, newest first.</p>"
        if reports.isEmpty {
            body += "<p id=\"no-reports\">No report files (.html, .json, .md) yet.</p>"
        } else {
            body += "<table id=\"reports\"><thead><tr><th scope=\"col\">File</th><th scope=\"col\">Written (UTC)</th>"
            body += "<th scope=\"col\">Size</th></tr></thead><tbody>"
            for report in reports {
                body += "<tr><td><a href=\"/console/report?name=\(HTML.escape(HTML.query(report.name)))\">"
                body += "\(HTML.escape(report.name))</a></td><td>\(HTML.date(report.modified))</td>"
                body += "<td>\(report.size) bytes</td></tr>"
            }
            body += "</tbody></table>"
        }
        return Self.html(HTML.page(title: "Reports", current: "reports", body: body))
    }

    /// `/console/report?name=…`: one report file, by its name in the directory.
    func report(_ fields: Fields) throws -> Response {
        guard let directory = configuration.reportsDirectory, let name = fields["name"],
            let report = Self.reports(in: directory).first(where: { $0.name == name }),
            let type = Self.reportTypes[(name as NSString).pathExtension.lowercased()]
        else {
            return Self.errorPage(.notFound, "No such report.")
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent(report.name))
        return Response(
            status: .ok,
            headers: [
                .contentType: type, .cacheControl: "no-store",
                HTTPField.Name("Content-Security-Policy")!:
                    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:",
                HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The report files directly in `directory` (no subdirectories, no links out of it), newest first.
    static func reports(in directory: String) -> [(name: String, modified: Date, size: Int)] {
        let url = URL(fileURLWithPath: directory)
        let keys: [URLResourceKey] = [.isRegularFileKey, .contentModificationDateKey, .fileSizeKey, .isSymbolicLinkKey]
        let entries =
            (try? FileManager.default.contentsOfDirectory(
                at: url, includingPropertiesForKeys: keys, options: [.skipsHiddenFiles])) ?? []
        return entries.compactMap { entry -> (name: String, modified: Date, size: Int)? in
            guard let values = try? entry.resourceValues(forKeys: Set(keys)), values.isRegularFile == true,
                values.isSymbolicLink != true, reportTypes[entry.pathExtension.lowercased()] != nil
            else { return nil }
            return (entry.lastPathComponent, values.contentModificationDate ?? .distantPast, values.fileSize ?? 0)
        }
        .sorted { $0.modified > $1.modified }
    }
}
