import BatonJSON

/// A parsed JSONPath expression, as Amazon States Language uses them (AWS evaluates paths with Jayway JsonPath).
///
/// Parse once with `try JSONPath("$.a.b[0]")`, evaluate many times. Supported: `$` (state input), `$$` (the
/// context object) and `$name` (a variable set by `Assign`, e.g. `$order.items[0]`) roots, dot and bracket member names (`$.a`, `$['a b']`, `$["a"]`), array indexes including
/// negative ones (`[-1]` is the last element), unions (`['a','b']`, `[0,2]`), wildcards (`[*]`, `.*`), slices
/// without step (`[1:3]`, `[:2]`, `[-1:]`), filters (`[?(@.price < 10)]`, `[?(@.isbn)]`, `==`, `!=`, `<`, `<=`,
/// `>`, `>=`, `&&`, `||`, `!`, parentheses) and deep scan (`..name`, `..*`, `..[0]`).
///
/// A *definite* path (only names and single indexes) selects at most one node; an indefinite one selects a list,
/// which evaluation returns as a JSON array, as Jayway does.
public struct JSONPath: Sendable, Hashable, CustomStringConvertible {
    /// Which document a path starts from.
    public enum Root: Sendable, Hashable {
        /// `$`: the state input (or, in ResultSelector, the task result).
        case input
        /// `$$`: the context object.
        case context
        /// `$name`: the value of a variable (`Assign`).
        case variable(String)
    }

    /// The text the path was parsed from.
    public let text: String
    /// The document the path starts from.
    public let root: Root
    let segments: [Segment]

    /// Parses a path.
    /// - Parameter text: a JSONPath starting with `$`, `$$` or `$name`.
    /// - Throws: `JSONPathSyntaxError` naming the offset and what was expected.
    public init(_ text: String) throws(JSONPathSyntaxError) {
        var parser = JSONPathParser(text)
        let (root, segments) = try parser.parsePath()
        self.text = text
        self.root = root
        self.segments = segments
    }

    public var description: String { text }

    /// Whether the path can select at most one node: no wildcard, deep scan, filter, slice or union (Jayway's
    /// "definite path"). Evaluating a definite path that matches nothing is an error; an indefinite one yields `[]`.
    public var isDefinite: Bool {
        segments.allSatisfy { segment in
            guard case .child(let selector) = segment else { return false }
            switch selector {
            case .name, .index: return true
            default: return false
            }
        }
    }

    /// Whether this is an ASL *Reference Path*: it identifies a single node using only member names and array
    /// indexes; the operators `@ .. , : ? *` are not allowed. ResultPath, ItemsPath and the `…Path` fields of Wait,
    /// Task and Fail states must be reference paths.
    public var isReferencePath: Bool { isDefinite }

    /// The path in Jayway's normalized bracket form, e.g. `$['a']['b'][0]`, as AWS prints it in error messages.
    public var normalized: String {
        var out: String
        switch root {
        case .input: out = "$"
        case .context: out = "$$"
        case .variable(let name): out = "$" + name
        }
        for segment in segments {
            switch segment {
            case .child(let selector): out += selector.normalized
            case .descendant(let selector): out += ".." + selector.normalized
            }
        }
        return out
    }
}

/// A JSONPath that could not be parsed.
public struct JSONPathSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong, e.g. "expected ']'".
    public var reason: String
    /// Character offset into the path text.
    public var offset: Int

    /// Creates a syntax error at a character offset.
    public init(reason: String, offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String { "invalid JSONPath at character \(offset): \(reason)" }
}

extension JSONPath {
    /// One step of a path: select among the children of each current node, or among all descendants.
    enum Segment: Sendable, Hashable {
        case child(Selector)
        case descendant(Selector)
    }

    /// What a step selects.
    enum Selector: Sendable, Hashable {
        case name(String)
        case names([String])
        case index(Int)
        case indexes([Int])
        case wildcard
        case slice(start: Int?, end: Int?)
        case filter(FilterExpression)

        var normalized: String {
            switch self {
            case .name(let name): "[\(Self.quote(name))]"
            case .names(let names): "[" + names.map(Self.quote).joined(separator: ",") + "]"
            case .index(let index): "[\(index)]"
            case .indexes(let indexes): "[" + indexes.map(String.init).joined(separator: ",") + "]"
            case .wildcard: "[*]"
            case .slice(let start, let end): "[\(start.map(String.init) ?? ""):\(end.map(String.init) ?? "")]"
            case .filter: "[?]"
            }
        }

        static func quote(_ name: String) -> String {
            var out = "'"
            for character in name {
                if character == "\\" || character == "'" { out.append("\\") }
                out.append(character)
            }
            return out + "'"
        }
    }

    /// A filter predicate, `[?( … )]`.
    indirect enum FilterExpression: Sendable, Hashable {
        case exists(FilterOperand)
        case not(FilterExpression)
        case and(FilterExpression, FilterExpression)
        case or(FilterExpression, FilterExpression)
        case compare(FilterOperand, ComparisonOperator, FilterOperand)
    }

    /// A side of a filter comparison: a literal, or a path relative to the current item (`@`) or the root (`$`).
    enum FilterOperand: Sendable, Hashable {
        case literal(JSON)
        case current([Segment])
        case root([Segment])
    }

    /// The comparison operators a filter supports.
    enum ComparisonOperator: String, Sendable, Hashable {
        case equal = "=="
        case notEqual = "!="
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
    }
}
