import ExecutionStore
import Logging
import StatesLanguage

extension Engine {
    /// The warnings of a definition (callback hazards, ``StateMachineDefinition/warnings(type:)``) for a state
    /// machine of a type; empty when the definition does not validate (its errors come first).
    /// - Parameters:
    ///   - definition: the definition's JSON text.
    ///   - type: `STANDARD` or `EXPRESS` (anything else counts as STANDARD).
    public static func warnings(definition: String, type: String) -> [DefinitionWarning] {
        guard
            let parsed = try? StateMachineDefinition.parse(
                definition, resourceValidator: Integration.validate(resource:))
        else { return [] }
        return parsed.warnings(type: StateMachineType(rawValue: type) ?? .standard)
    }

    /// Logs each warning of a registered state machine's definition, one line apiece, at info (STYLE rule 8:
    /// library code logs at info or below; the `diagnostic.severity` metadata says WARNING).
    func logWarnings(of record: StateMachineRecord) {
        for warning in Self.warnings(definition: record.definition, type: record.type) {
            logger.info(
                "state machine definition warning: \(warning.message)",
                metadata: [
                    "state_machine.arn": "\(record.arn)", "diagnostic.severity": "WARNING",
                    "diagnostic.code": "\(warning.code.name)",
                    "diagnostic.location": "\(warning.pointer)",
                ])
        }
    }
}
