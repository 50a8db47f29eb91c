import BatonJSON
import StatesLanguage

/// A state machine drawn as a Graphviz graph: every state a node (Parallel branches and Map item processors as
/// nested clusters), `Next` and `End` edges, each Choice rule and its `Default`, `Catch` edges to their handlers
/// and `Retry` as a loop on the retried state. Graphviz's `dot` lays it out (``Graphviz``); the console colours
/// the nodes per execution with CSS on their ids, so one drawing serves every execution of a revision.
package struct StateGraph: Sendable {
    /// The DOT text.
    package private(set) var dot = ""
    /// The SVG element ids of the nodes of each state name (a name may recur in different branches).
    package private(set) var nodeIDs: [String: [String]] = [:]
    private var counter = 0

    /// Draws a definition.
    package init(_ definition: StateMachineDefinition) {
        dot = """
            digraph states {
            graph [rankdir=TB, fontname="sans-serif", fontsize=11, nodesep=0.35, ranksep=0.45, bgcolor="transparent"];
            node [fontname="sans-serif", fontsize=11, style="filled", fillcolor="#ffffff", color="#333333"];
            edge [fontname="sans-serif", fontsize=9, color="#444444", fontcolor="#222222"];
            start [id="start", label="Start", shape=circle, width=0.5, fixedsize=true, fillcolor="#e8e8e8"];
            end [id="end", label="End", shape=doublecircle, width=0.4, fixedsize=true, fillcolor="#e8e8e8"];

            """
        let ids = add(definition, end: "end", indent: "")
        if let first = ids[definition.startAt] { dot += "start -> \(first);\n" }
        dot += "}\n"
    }

    /// Adds the states of one (sub-)machine; returns the node id of each of its states by name.
    private mutating func add(_ machine: StateMachineDefinition, end: String?, indent: String) -> [String: String] {
        var ids: [String: String] = [:]
        for name in machine.stateNames {
            counter += 1
            ids[name] = "s\(counter)"
            nodeIDs[name, default: []].append("s\(counter)")
        }
        for name in machine.stateNames {
            guard let state = machine.states[name], let id = ids[name] else { continue }
            switch state.kind {
            case .parallel(let parallel):
                dot += "\(indent)subgraph cluster_\(id) {\n"
                dot +=
                    "\(indent)  label=\(Self.quote("\(name) (Parallel)")); style=\"rounded,dashed\"; color=\"#555555\";\n"
                dot += "\(indent)  \(node(id, state))\n"
                for (index, branch) in parallel.branches.enumerated() {
                    dot += "\(indent)  subgraph cluster_\(id)_b\(index) {\n"
                    dot +=
                        "\(indent)    label=\(Self.quote("branch \(index + 1)")); style=rounded; color=\"#888888\";\n"
                    let inner = add(branch, end: nil, indent: indent + "    ")
                    if let first = inner[branch.startAt] { dot += "\(indent)    \(id) -> \(first) [style=dashed];\n" }
                    dot += "\(indent)  }\n"
                }
                dot += "\(indent)}\n"
            case .map(let map):
                dot += "\(indent)subgraph cluster_\(id) {\n"
                dot +=
                    "\(indent)  label=\(Self.quote("\(name) (Map: each item)")); style=\"rounded,dashed\"; color=\"#555555\";\n"
                dot += "\(indent)  \(node(id, state))\n"
                let inner = add(map.itemProcessor, end: nil, indent: indent + "  ")
                if let first = inner[map.itemProcessor.startAt] {
                    dot += "\(indent)  \(id) -> \(first) [style=dashed];\n"
                }
                dot += "\(indent)}\n"
            default:
                dot += "\(indent)\(node(id, state))\n"
            }
        }
        for name in machine.stateNames {
            guard let state = machine.states[name], let id = ids[name] else { continue }
            edges(from: id, state, ids: ids, end: end, indent: indent)
        }
        return ids
    }

    private func node(_ id: String, _ state: State) -> String {
        let shape: String
        switch state.kind {
        case .task: shape = "shape=box, style=\"rounded,filled\""
        case .choice: shape = "shape=diamond"
        case .succeed, .fail: shape = "shape=box, style=\"filled,bold\""
        case .wait: shape = "shape=octagon"
        default: shape = "shape=box"
        }
        let label = "\(state.name)\n\(state.kind.typeName)"
        return "\(id) [id=\(Self.quote(id)), label=\(Self.quote(label)), \(shape)];"
    }

    private mutating func edges(from id: String, _ state: State, ids: [String: String], end: String?, indent: String) {
        switch state.transition {
        case .next(let target)?:
            if let to = ids[target] { dot += "\(indent)\(id) -> \(to);\n" }
        case .end?:
            if let end { dot += "\(indent)\(id) -> \(end);\n" }
        case nil:
            if case .succeed = state.kind, let end { dot += "\(indent)\(id) -> \(end);\n" }
        }
        if case .choice(let choice) = state.kind {
            for rule in choice.choices {
                guard let to = ids[rule.next] else { continue }
                dot += "\(indent)\(id) -> \(to) [label=\(Self.quote(Self.summary(rule.condition)))];\n"
            }
            if let fallback = choice.default, let to = ids[fallback] {
                dot += "\(indent)\(id) -> \(to) [label=\"Default\", style=dashed];\n"
            }
        }
        for retrier in state.retriers {
            let errors = retrier.errorEquals.joined(separator: ", ")
            dot += "\(indent)\(id) -> \(id) [label=\(Self.quote("Retry \(errors) ×\(retrier.maxAttempts)")), "
            dot += "style=dotted, color=\"#7a4d00\", fontcolor=\"#7a4d00\"];\n"
        }
        for catcher in state.catchers {
            guard let to = ids[catcher.next] else { continue }
            let errors = catcher.errorEquals.joined(separator: ", ")
            dot += "\(indent)\(id) -> \(to) [label=\(Self.quote("Catch \(errors)")), "
            dot += "style=dashed, color=\"#b00020\", fontcolor=\"#b00020\"];\n"
        }
    }

    /// A Choice rule's condition in a few words (`$.n > 5`, `not(…)`), cut to 40 characters.
    package static func summary(_ condition: ChoiceCondition) -> String {
        let text: String
        switch condition {
        case .and(let all): text = all.map(summary).joined(separator: " and ")
        case .or(let any): text = any.map(summary).joined(separator: " or ")
        case .not(let inner): text = "not(\(summary(inner)))"
        case .comparison(let comparison):
            let operand = comparison.operand.stringValue ?? comparison.operand.serialized
            text = "\(comparison.variable) \(comparison.operator.rawValue) \(operand)"
        }
        return text.count > 40 ? String(text.prefix(39)) + "…" : text
    }

    /// A DOT double-quoted string: backslashes and quotes escaped, newlines as DOT's centred line breaks.
    package static func quote(_ text: String) -> String {
        var out = "\""
        for character in text {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\r": continue
            default: out.append(character)
            }
        }
        return out + "\""
    }
}
