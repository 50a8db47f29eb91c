import BatonJSON

/// The number literals of JSONPath filters and intrinsic function arguments: a scan both parsers share.
enum NumberLiteral {
    /// Scans a number starting at `start` (an optional `-`, digits, a fraction, an exponent) and returns where it
    /// ends, with its JSON value — an exact integer when it has neither fraction nor exponent and fits 64 bits —
    /// or `nil` when the text is not a finite number.
    /// - Parameters:
    ///   - scalars: the expression's scalars.
    ///   - start: where the literal begins.
    static func scan(_ scalars: [Unicode.Scalar], from start: Int) -> (end: Int, value: JSON?) {
        var index = start
        if index < scalars.count, scalars[index] == "-" { index += 1 }
        var isInteger = true
        while index < scalars.count {
            let scalar = scalars[index]
            let digit = ("0"..."9").contains(scalar)
            let sign =
                (scalar == "+" || scalar == "-") && index > start
                && (scalars[index - 1] == "e" || scalars[index - 1] == "E")
            guard digit || scalar == "." || scalar == "e" || scalar == "E" || sign else { break }
            if !digit { isInteger = false }
            index += 1
        }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[start..<index])
        let text = String(view)
        if isInteger, let value = Int64(text) { return (index, .integer(value)) }
        guard let value = Double(text), value.isFinite else { return (index, nil) }
        return (index, .number(value))
    }
}
