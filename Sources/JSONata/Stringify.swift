import Foundation

extension Evaluator {
    /// `$string`: strings as they are, functions as `""`, everything else as JSON with numbers at 15 significant
    /// digits; D3001 for infinities.
    func stringify(_ value: Value, pretty: Bool = false) throws -> String {
        switch value {
        case .string(let string): return string
        case .function: return ""
        case .number(let number) where !number.isFinite: throw JSONataError("D3001", value: value)
        default:
            try checkNesting(value)
            var out = ""
            var subject = value
            if case .array(let array) = value, array.outerWrapper, let first = array.items.first { subject = first }
            try write(subject, to: &out, indent: pretty ? 0 : nil)
            return out
        }
    }

    private func write(_ value: Value, to out: inout String, indent: Int?) throws {
        let newline = indent.map { "\n" + String(repeating: " ", count: ($0 + 1) * 2) } ?? ""
        let closing = indent.map { "\n" + String(repeating: " ", count: $0 * 2) } ?? ""
        let inner = indent.map { $0 + 1 }
        switch value {
        case .null: out += "null"
        case .bool(let flag): out += flag ? "true" : "false"
        case .number(let number):
            if !number.isFinite { throw JSONataError("D1001", value: value) }
            out += formatJS(number == number.rounded() ? number : roundTo15(number))
        case .string(let string): out += quoteJSON(string)
        case .function: out += "\"\""
        case .array(let array):
            if array.isEmpty {
                out += "[]"
                return
            }
            out += "["
            for (index, item) in array.items.enumerated() {
                if index > 0 { out += "," }
                out += newline
                try write(item, to: &out, indent: inner)
            }
            out += closing + "]"
        case .object(let object):
            if object.count == 0 {
                out += "{}"
                return
            }
            out += "{"
            for (index, (key, member)) in object.pairs.enumerated() {
                if index > 0 { out += "," }
                out += newline + quoteJSON(key) + (indent == nil ? ":" : ": ")
                try write(member, to: &out, indent: inner)
            }
            out += closing + "}"
        }
    }
}

/// A number at 15 significant digits (`Number(n.toPrecision(15))`).
func roundTo15(_ number: Double) -> Double {
    Double(String(format: "%.14e", number)) ?? number
}

/// A JSON string literal as `JSON.stringify` writes it.
func quoteJSON(_ string: String) -> String {
    var out = "\""
    for unit in string.unicodeScalars {
        switch unit {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        default:
            if unit.value < 0x20 {
                out += String(format: "\\u%04x", unit.value)
            } else {
                out.unicodeScalars.append(unit)
            }
        }
    }
    return out + "\""
}

/// A number as JavaScript's `String(n)` writes it: shortest round-trip digits, plain notation from 1e-7 up to
/// 1e21, exponent notation (`1e+21`, `1.5e-7`) outside.
func formatJS(_ number: Double) -> String {
    if number.isNaN { return "NaN" }
    if number.isInfinite { return number < 0 ? "-Infinity" : "Infinity" }
    if number == 0 { return "0" }
    let negative = number < 0
    let text = "\(abs(number))"
    var mantissa = text
    var exponent = 0
    if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        mantissa = String(text[..<e])
        exponent = Int(text[text.index(after: e)...]) ?? 0
    }
    var integerPart = mantissa
    var fraction = ""
    if let dot = mantissa.firstIndex(of: ".") {
        integerPart = String(mantissa[..<dot])
        fraction = String(mantissa[mantissa.index(after: dot)...])
    }
    var digits = integerPart + fraction
    var pointPosition = integerPart.count + exponent
    while digits.hasPrefix("0") && digits.count > 1 {
        digits.removeFirst()
        pointPosition -= 1
    }
    while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
    let k = digits.count
    let n = pointPosition
    var result: String
    if k <= n && n <= 21 {
        result = digits + String(repeating: "0", count: n - k)
    } else if 0 < n && n <= 21 {
        result = String(digits.prefix(n)) + "." + String(digits.dropFirst(n))
    } else if -6 < n && n <= 0 {
        result = "0." + String(repeating: "0", count: -n) + digits
    } else {
        let e = n - 1
        result = String(digits.prefix(1)) + (k > 1 ? "." + String(digits.dropFirst()) : "")
        result += "e" + (e >= 0 ? "+" : "-") + String(abs(e))
    }
    return negative ? "-" + result : result
}
