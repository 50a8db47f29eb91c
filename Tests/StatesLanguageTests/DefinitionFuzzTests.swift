import BatonJSON
import Foundation
import Testing

@testable import StatesLanguage

/// Generative fuzzing of the definition parser: byte-level and structural mutations of every fixture.
/// Any input may be rejected; none may trap, and anything accepted must satisfy the model's invariants.
@Suite struct DefinitionFuzzTests {
    static let caseCount = 24_000
    static let interestingBytes = Array(#"{}[]":,.$*\ 0123456789-eEtrufalsn"#.utf8) + [0x00, 0x7F, 0xC3, 0xFF]
    static let names: [String] = [
        "Type", "Next", "End", "StartAt", "States", "Resource", "Choices", "Default", "Variable", "Retry", "Catch",
        "ErrorEquals", "Branches", "ItemProcessor", "Iterator", "TimeoutSeconds", "HeartbeatSeconds", "Seconds",
        "SecondsPath", "Timestamp", "MaxAttempts", "BackoffRate", "And", "Or", "Not", "StringEquals",
        "NumericLessThanPath", "IsPresent", "ResultPath", "InputPath", "Parameters", "States.ALL", "Task", "Choice",
        "Map", "Parallel", "Wait", "Succeed", "Fail", "Pass", "$", "$.a", "$$.Task.Token", "A", "",
    ]

    @Test func mutatedDefinitionsNeverTrap() throws {
        let fixtures = try (DefinitionFixtures.names(prefix: "valid-") + DefinitionFixtures.names(prefix: "invalid-"))
            .map(DefinitionFixtures.text)
        let parsed = fixtures.compactMap { try? JSON(parsing: $0) }
        #expect(fixtures.count >= 20)
        var random = SeededRandom(seed: 0xBA70_0001)
        var accepted = 0
        for index in 0..<Self.caseCount {
            let text: String
            if index % 2 == 0 {
                text = Self.flipBytes(fixtures[index / 2 % fixtures.count], using: &random)
            } else {
                var json = parsed[index / 2 % parsed.count]
                for _ in 0..<Int.random(in: 1...4, using: &random) { Self.mutate(&json, using: &random) }
                text = json.serialized
            }
            if let definition = try? StateMachineDefinition.parse(text) {
                accepted += 1
                try Self.checkInvariants(definition)
            }
        }
        // Most mutations break a definition, but some must survive or the generator is not exercising acceptance.
        #expect(accepted > 0)
    }

    @Test func pathologicalInputsAreRejectedCleanly() {
        let inputs = [
            String(repeating: "[", count: 10_000),
            #"{"StartAt":"A","States":{"A":"#
                + String(repeating: #"{"Type":"Parallel","Branches":[{"StartAt":"A","States":{"A":"#, count: 200),
            String(repeating: " ", count: maximumDefinitionBytes + 1),
            #"{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Not":"#
                + String(repeating: #"{"Not":"#, count: 300),
        ]
        for input in inputs {
            #expect(throws: DefinitionError.self) { try StateMachineDefinition.parse(input) }
        }
    }

    static func flipBytes(_ text: String, using random: inout SeededRandom) -> String {
        var bytes = Array(text.utf8)
        for _ in 0..<Int.random(in: 1...6, using: &random) where !bytes.isEmpty {
            let position = Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<4, using: &random) {
            case 0: bytes[position] = interestingBytes.randomElement(using: &random)!
            case 1: bytes.remove(at: position)
            case 2: bytes.insert(interestingBytes.randomElement(using: &random)!, at: position)
            default: bytes[position] = UInt8.random(in: 0...255, using: &random)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Applies one structural mutation at a random node: delete a member, swap a value's type, rename a key,
    /// retarget a string, or duplicate a subtree somewhere else.
    static func mutate(_ json: inout JSON, using random: inout SeededRandom, depth: Int = 0) {
        let descend = depth < 12 && Int.random(in: 0..<3, using: &random) > 0
        switch json {
        case .object(var object) where !object.isEmpty:
            let key = object.keys.randomElement(using: &random)!
            if descend, var child = object[key] {
                mutate(&child, using: &random, depth: depth + 1)
                object[key] = child
            } else {
                switch Int.random(in: 0..<3, using: &random) {
                case 0: object[key] = nil
                case 1:
                    let value = object[key]
                    object[key] = nil
                    object[names.randomElement(using: &random)!] = value
                default: object[key] = randomValue(using: &random)
                }
            }
            json = .object(object)
        case .array(var elements) where !elements.isEmpty:
            let position = Int.random(in: 0..<elements.count, using: &random)
            if descend {
                mutate(&elements[position], using: &random, depth: depth + 1)
            } else if Bool.random(using: &random) {
                elements.remove(at: position)
            } else {
                elements.append(elements[position])
            }
            json = .array(elements)
        default:
            json = randomValue(using: &random)
        }
    }

    static func randomValue(using random: inout SeededRandom) -> JSON {
        switch Int.random(in: 0..<9, using: &random) {
        case 0: .null
        case 1: .bool(Bool.random(using: &random))
        case 2: .integer(Int64.random(in: -2...100_000_001, using: &random))
        case 3: .number(Double.random(in: -1...3, using: &random))
        case 4, 5: .string(names.randomElement(using: &random)!)
        case 6: .array([.string(names.randomElement(using: &random)!)])
        case 7: .object(JSONObject([(names.randomElement(using: &random)!, .string("A"))]))
        default: .object(JSONObject([("Type", .string("Succeed"))]))
        }
    }

    /// What a definition the parser accepted must satisfy, recursively through branches and item processors.
    static func checkInvariants(_ definition: StateMachineDefinition) throws {
        #expect(definition.states[definition.startAt] != nil)
        #expect(Set(definition.stateNames) == Set(definition.states.keys))
        for state in definition.states.values {
            for (target, _) in DefinitionValidator.targets(of: state) { #expect(definition.states[target] != nil) }
            #expect(state.name.count <= 80)
            switch state.kind {
            case .parallel(let parallel): for branch in parallel.branches { try checkInvariants(branch) }
            case .map(let map): try checkInvariants(map.itemProcessor)
            case .task(let task):
                if case .seconds(let timeout)? = task.timeout, case .seconds(let heartbeat)? = task.heartbeat {
                    #expect(heartbeat < timeout)
                }
            default: break
            }
            for (index, retrier) in state.retriers.enumerated() {
                #expect(retrier.backoffRate >= 1 && retrier.maxAttempts >= 0 && retrier.intervalSeconds >= 1)
                if retrier.errorEquals.contains("States.ALL") {
                    #expect(retrier.errorEquals.count == 1 && index == state.retriers.count - 1)
                }
            }
        }
    }
}
