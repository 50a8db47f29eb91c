/// The type of a state machine (CreateStateMachine's `type`): Standard or Express workflow.
///
/// Baton runs both with standard semantics; the type only decides which definition warnings apply (AWS refuses
/// the `.waitForTaskToken` and `.sync` patterns in Express workflows).
public enum StateMachineType: String, Sendable, Hashable, CaseIterable {
    case standard = "STANDARD"
    case express = "EXPRESS"
}
