/// A scope of variable bindings; lambdas keep the frame they were defined in (closures).
final class Frame {
    private var bindings: [String: Value] = [:]
    /// Names bound to `undefined`, which hide an outer binding of the same name.
    private var undefinedNames: Set<String> = []
    let parent: Frame?

    init(parent: Frame?) { self.parent = parent }

    func bind(_ name: String, _ value: Value?) {
        if let value {
            bindings[name] = value
            undefinedNames.remove(name)
        } else {
            bindings[name] = nil
            undefinedNames.insert(name)
        }
    }

    func lookup(_ name: String) -> Value? {
        var frame: Frame? = self
        while let current = frame {
            if let value = current.bindings[name] { return value }
            if current.undefinedNames.contains(name) { return nil }
            frame = current.parent
        }
        return nil
    }

    /// A frame binding every member of a tuple (`@`, focus, index and ancestor variables).
    static func from(tuple: Value, parent: Frame) -> Frame {
        let frame = Frame(parent: parent)
        if let object = tuple.object {
            for (key, value) in object.pairs { frame.bind(key, value) }
        }
        return frame
    }
}

/// A callable value: a lambda (closure), a library function, a partial application, a regular expression, a
/// transform or a `~>` chain of two functions.
final class JFunction {
    enum Kind {
        case lambda(body: Node, parameters: [String], input: Value?, frame: Frame, isThunk: Bool)
        case native(Native)
        case partial(target: JFunction, arguments: [Value?], holes: [Int])
        case regex(Regex)
        case transform(Node, Frame)
        case chain(JFunction, JFunction)
    }

    let kind: Kind
    let signature: Signature?

    init(_ kind: Kind, signature: Signature? = nil) {
        self.kind = kind
        self.signature = signature
    }

    /// How many arguments the function declares (higher-order functions pass index and array only if asked).
    var arity: Int {
        switch kind {
        case .lambda(_, let parameters, _, _, _): parameters.count
        case .native(let native): native.arity
        case .partial(_, _, let holes): holes.count
        case .regex: 1
        case .transform: 1
        case .chain: 1
        }
    }

    var isThunk: Bool {
        if case .lambda(_, _, _, _, true) = kind { return true }
        return false
    }
}

/// A function of the standard library.
struct Native: Sendable {
    let name: String
    let signature: Signature?
    let arity: Int
    let run: @Sendable (Evaluator, [Value?], Value?, Frame) throws -> Value?

    init(
        _ name: String, _ signature: String?, arity: Int? = nil,
        _ run: @escaping @Sendable (Evaluator, [Value?], Value?, Frame) throws -> Value?
    ) {
        self.name = name
        // The library's signatures are literals checked by the tests; a malformed one is a programming error.
        let parsed = signature.map { try! Signature($0) }
        self.signature = parsed
        self.arity = arity ?? parsed?.parameters.count ?? 0
        self.run = run
    }
}
