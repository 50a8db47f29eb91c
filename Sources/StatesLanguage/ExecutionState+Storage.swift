import BatonJSON
import Foundation

extension ExecutionState {
    /// The state as the JSON its `Codable` conformance writes with `JSONEncoder` (dates as
    /// `.secondsSince1970`), written directly: what the orchestrator stores after every transition that leaves an
    /// execution waiting. `JSONDecoder` reads it back into an equal state (the interpreter tests check that on
    /// every step); Foundation's encoder cost ~5 % of the orchestrator's CPU under load.
    public var storedJSONBytes: [UInt8] {
        var writer = StoredStateWriter()
        writer.object { w in
            if let start {
                w.key("start")
                w.object { w in
                    w.member("input", start.input.serialized)
                    w.member("executionArn", start.executionArn)
                    w.member("executionName", start.executionName)
                    w.member("stateMachineArn", start.stateMachineArn)
                    w.member("stateMachineName", start.stateMachineName)
                    if let roleArn = start.roleArn { w.member("roleArn", roleArn) }
                    if let timeoutSeconds = start.timeoutSeconds { w.member("timeoutSeconds", timeoutSeconds) }
                    w.member("startDate", start.startDate)
                    if let parent = start.parent {
                        w.key("parent")
                        w.object { w in
                            w.member("taskToken", parent.taskToken)
                            w.member("pattern", parent.pattern)
                        }
                    }
                }
            }
            w.member("status", status.rawValue)
            w.member("lastEventId", lastEventId)
            w.member("lastTaskId", lastTaskId)
            w.member("lastTimerId", lastTimerId)
            w.member("lastFrameSerial", lastFrameSerial)
            if let executionTimer { w.member("executionTimer", executionTimer.rawValue) }
            w.key("frames")
            w.array(frames.values.sorted { $0.serial < $1.serial }) { w, frame in w.frame(frame) }
            if redriveCount > 0 { w.member("redriveCount", redriveCount) }
            if let redrive {
                w.key("redrive")
                w.object { w in
                    w.key("frames")
                    w.array(redrive.frames) { w, frame in w.frame(frame) }
                    w.key("entries")
                    w.array(redrive.entries) { w, entry in
                        w.object { w in
                            w.key("path")
                            w.path(entry.path)
                            w.member("state", entry.state)
                            w.key("input")
                            w.text(entry.input)
                        }
                    }
                }
            }
        }
        return writer.out
    }
}

/// Writes the shapes `Codable` synthesizes for the state's parts (an enum case with values as
/// `{"case": {"_0": value}}`, one without as `{"case": {}}`, `nil` members left out, `nil` array elements as null).
private struct StoredStateWriter {
    var out: [UInt8] = {
        var out = [UInt8]()
        out.reserveCapacity(512)
        return out
    }()
    private var needsComma = false

    mutating func key(_ name: String) {
        if needsComma { out.append(UInt8(ascii: ",")) }
        JSON.writeString(name, to: &out)
        out.append(UInt8(ascii: ":"))
        needsComma = false
    }

    mutating func member(_ name: String, _ value: String) {
        key(name)
        string(value)
    }

    mutating func member(_ name: String, _ value: Int) {
        key(name)
        integer(value)
    }

    mutating func member(_ name: String, _ value: Bool) {
        key(name)
        out.append(contentsOf: (value ? "true" : "false").utf8)
        needsComma = true
    }

    mutating func member(_ name: String, _ value: Date) {
        key(name)
        out.append(contentsOf: JSON.format(value.timeIntervalSince1970).utf8)
        needsComma = true
    }

    mutating func string(_ value: String) {
        if needsComma { out.append(UInt8(ascii: ",")) }
        JSON.writeString(value, to: &out)
        needsComma = true
    }

    mutating func integer(_ value: Int) {
        if needsComma { out.append(UInt8(ascii: ",")) }
        JSON.writeInteger(Int64(value), to: &out)
        needsComma = true
    }

    mutating func null() {
        if needsComma { out.append(UInt8(ascii: ",")) }
        JSON.null.write(to: &out)
        needsComma = true
    }

    mutating func object(_ body: (inout StoredStateWriter) -> Void) {
        if needsComma { out.append(UInt8(ascii: ",")) }
        out.append(UInt8(ascii: "{"))
        needsComma = false
        body(&self)
        out.append(UInt8(ascii: "}"))
        needsComma = true
    }

    mutating func array<Element>(_ elements: [Element], _ body: (inout StoredStateWriter, Element) -> Void) {
        if needsComma { out.append(UInt8(ascii: ",")) }
        out.append(UInt8(ascii: "["))
        needsComma = false
        for element in elements { body(&self, element) }
        out.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// JSON kept as its compact text (``JSONText``), or null.
    mutating func text(_ value: JSONText?) {
        if let value { string(value.value.serialized) } else { null() }
    }

    mutating func frame(_ frame: Frame) {
        object { w in
            w.key("path")
            w.path(frame.path)
            w.member("serial", frame.serial)
            w.member("lastEventId", frame.lastEventId)
            if let active = frame.active {
                w.key("active")
                w.active(active)
            }
            if let variables = frame.variables {
                w.key("variables")
                w.text(variables)
            }
        }
    }

    /// A scope path in ``ScopePath``'s flat `[state, index, …]` form.
    mutating func path(_ path: ScopePath) {
        array(path.steps) { w, step in
            w.string(step.state)
            w.string(String(step.index))
        }
    }

    mutating func active(_ active: ActiveState) {
        object { w in
            w.member("name", active.name)
            w.key("input")
            w.text(active.input)
            w.member("enteredEventId", active.enteredEventId)
            w.member("enteredAt", active.enteredAt)
            w.key("retryCounts")
            w.array(active.retryCounts) { w, count in w.integer(count) }
            w.key("step")
            w.step(active.step)
            if let started = active.activityStarted { w.member("activityStarted", started) }
        }
    }

    mutating func step(_ step: Step) {
        object { w in
            switch step {
            case .task(let id): w.single("task") { w in w.integer(id.rawValue) }
            case .backoff(let id): w.single("backoff") { w in w.integer(id.rawValue) }
            case .wait(let id): w.single("wait") { w in w.integer(id.rawValue) }
            case .parallel(let outputs): w.single("parallel") { w in w.array(outputs) { w, output in w.text(output) } }
            case .map(let progress):
                w.single("map") { w in
                    w.object { w in
                        w.key("pending")
                        w.array(progress.pending) { w, item in w.text(item) }
                        w.key("results")
                        w.array(progress.results) { w, item in w.text(item) }
                        w.member("nextIndex", progress.nextIndex)
                        w.member("running", progress.running)
                        w.member("limit", progress.limit)
                    }
                }
            case .entering:
                w.key("entering")
                w.object { _ in }
            }
        }
    }

    /// `"name": {"_0": value}`: a synthesized enum case with one unlabeled value.
    private mutating func single(_ name: String, _ value: (inout StoredStateWriter) -> Void) {
        key(name)
        object { w in
            w.key("_0")
            value(&w)
        }
    }
}
