import Foundation

extension LoadReport {
    /// A self-contained HTML page: the summary, the configuration, and inline SVG charts of throughput and
    /// latency percentiles per second. No scripts, no external files.
    func html(title: String, configuration: String, sweep: [LoadReport] = []) -> String {
        let throughput = SVGChart.lines(
            title: "executions per second", unit: "/s",
            series: [
                ("started", "#1f77b4", timeline.map { (Double($0.second), Double($0.started)) }),
                ("completed", "#2ca02c", timeline.map { (Double($0.second), Double($0.completed)) }),
                ("errors", "#d62728", timeline.map { (Double($0.second), Double($0.errors)) }),
            ])
        let latency = SVGChart.lines(
            title: "end-to-end latency of executions ending in each second", unit: "ms",
            series: [
                ("p50", "#1f77b4", timeline.compactMap { p in p.p50.map { (Double(p.second), $0) } }),
                ("p99", "#ff7f0e", timeline.compactMap { p in p.p99.map { (Double(p.second), $0) } }),
            ])
        var sweepSection = ""
        if !sweep.isEmpty {
            let chart = SVGChart.lines(
                title: "sweep: completed rate and p99 per step", unit: "/s",
                series: [
                    (
                        "offered /s", "#1f77b4",
                        sweep.enumerated().map { (Double($0.offset + 1), $0.element.offeredPerSecond) }
                    ),
                    (
                        "completed /s", "#2ca02c",
                        sweep.enumerated().map { (Double($0.offset + 1), $0.element.completedPerSecond) }
                    ),
                ])
            let rows = sweep.enumerated().map { index, step in
                "<tr><td>\(index + 1)</td><td>\(Int(step.rate ?? 0))</td><td>\(Int(step.completedPerSecond))</td>"
                    + "<td>\(step.endToEnd.p99)</td><td>\(step.errorCount)</td></tr>"
            }.joined()
            sweepSection =
                "<h2>Sweep</h2>\(chart)<table><tr><th>step</th><th>target /s</th><th>completed /s</th>"
                + "<th>p99 ms</th><th>errors</th></tr>\(rows)</table>"
        }
        return """
            <!doctype html><html><head><meta charset="utf-8"><title>\(Self.escape(title))</title>
            <style>body{font:14px system-ui,sans-serif;margin:2em;max-width:900px}pre{background:#f6f6f6;padding:1em;
            overflow:auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}</style>
            </head><body><h1>\(Self.escape(title))</h1>
            <pre>\(Self.escape(summary))</pre>
            <h2>Throughput</h2>\(throughput)
            <h2>Latency</h2>\(latency)
            \(sweepSection)
            <h2>Configuration and machine</h2><pre>\(Self.escape(configuration))</pre>
            </body></html>
            """
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}

/// Minimal inline SVG line charts (no dependencies), shared with docs/benchmarks.md's chart.
enum SVGChart {
    static func lines(
        title: String, unit: String, series: [(name: String, color: String, points: [(Double, Double)])],
        width: Double = 800, height: Double = 260
    ) -> String {
        let left = 60.0, right = 20.0, top = 30.0, bottom = 30.0
        let all = series.flatMap(\.points)
        let maxX = max(all.map(\.0).max() ?? 1, 1)
        let maxY = niceCeiling(max(all.map(\.1).max() ?? 1, 1e-9))
        func x(_ value: Double) -> Double { left + value / maxX * (width - left - right) }
        func y(_ value: Double) -> Double { height - bottom - value / maxY * (height - top - bottom) }
        var svg =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
            + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">"
        svg += "<text x=\"\(left)\" y=\"16\" font-size=\"13\">\(LoadReport.escape(title))</text>"
        for step in 0...4 {
            let value = maxY * Double(step) / 4
            svg +=
                "<line x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(y(value))\" y2=\"\(y(value))\" stroke=\"#ddd\"/>"
            svg += "<text x=\"\(left - 4)\" y=\"\(y(value) + 4)\" text-anchor=\"end\">\(format(value)) \(unit)</text>"
        }
        svg += "<text x=\"\(width - right)\" y=\"\(height - 8)\" text-anchor=\"end\">\(format(maxX))</text>"
        svg += "<text x=\"\(left)\" y=\"\(height - 8)\">0</text>"
        for (index, entry) in series.enumerated() where !entry.points.isEmpty {
            let path = entry.points.map { String(format: "%.1f,%.1f", x($0.0), y($0.1)) }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(entry.color)\" stroke-width=\"1.5\" points=\"\(path)\"/>"
            let legendX = left + 10 + Double(index) * 120
            svg += "<rect x=\"\(legendX)\" y=\"\(top - 4)\" width=\"10\" height=\"3\" fill=\"\(entry.color)\"/>"
            svg += "<text x=\"\(legendX + 14)\" y=\"\(top)\">\(LoadReport.escape(entry.name))</text>"
        }
        return svg + "</svg>"
    }

    static func niceCeiling(_ value: Double) -> Double {
        let magnitude = pow(10, floor(log10(value)))
        for factor in [1.0, 2, 2.5, 5, 10] where factor * magnitude >= value { return factor * magnitude }
        return 10 * magnitude
    }

    static func format(_ value: Double) -> String {
        value >= 100 || value == value.rounded() ? String(Int(value)) : String(format: "%.2g", value)
    }
}
