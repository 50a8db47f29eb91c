import StatesLanguage
import Synchronization

/// Parsed definitions by state machine ARN and revision. Definitions are few and immutable per revision, so
/// parsing each once keeps transitions cheap. Guarded by a `Mutex`.
final class DefinitionCache: Sendable {
    private let entries = Mutex<[String: StateMachineDefinition]>([:])

    /// The parsed definition, parsing `text()` on a miss.
    func definition(
        arn: String, revision: Int, text: () throws -> String?
    ) throws -> StateMachineDefinition? {
        let key = "\(revision)#\(arn)"
        if let cached = entries.withLock({ $0[key] }) { return cached }
        guard let source = try text() else { return nil }
        let parsed = try StateMachineDefinition.parse(source, resourceValidator: Integration.validate(resource:))
        entries.withLock { $0[key] = parsed }
        return parsed
    }
}
