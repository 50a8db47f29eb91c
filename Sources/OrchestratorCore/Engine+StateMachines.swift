import ExecutionStore
import Foundation
import StatesLanguage

extension Engine {
    /// Validates a definition as CreateStateMachine does, with Baton's resource check.
    /// - Returns: the issues, empty when the definition is valid.
    public static func validate(definition: String) -> [DefinitionIssue] {
        do {
            _ = try StateMachineDefinition.parse(definition, resourceValidator: Integration.validate(resource:))
            return []
        } catch {
            return error.issues
        }
    }

    /// Creates a state machine (AWS CreateStateMachine); creating one that exists with the same definition and
    /// role answers the existing one, as AWS does. A new state machine's definition warnings are logged.
    /// - Throws: `APIError` — InvalidName, InvalidDefinition, StateMachineAlreadyExists, InternalFailure.
    public func createStateMachine(
        name: String, definition: String, roleArn: String = "", type: String = "STANDARD"
    ) async throws(APIError) -> StateMachineRecord {
        let (record, created) = try await insertStateMachine(
            name: name, definition: definition, roleArn: roleArn, type: type)
        if created { logWarnings(of: record) }
        return record
    }

    /// Updates a state machine's definition and/or role (AWS UpdateStateMachine): a new revision; running
    /// executions keep the revision they started with. A new definition's warnings are logged.
    /// - Throws: `APIError` — InvalidArn, InvalidDefinition, StateMachineDoesNotExist.
    public func updateStateMachine(arn: String, definition: String?, roleArn: String?) async throws(APIError)
        -> StateMachineRecord
    {
        let record = try await reviseStateMachine(arn: arn, definition: definition, roleArn: roleArn)
        if definition != nil { logWarnings(of: record) }
        return record
    }

    /// CreateStateMachine without the log; `created` is false when an identical state machine existed.
    private func insertStateMachine(
        name: String, definition: String, roleArn: String, type: String
    ) async throws(APIError) -> (record: StateMachineRecord, created: Bool) {
        try ResourceName.validate(name, field: "name")
        try Self.checkDefinition(definition)
        let arn = configuration.stateMachineArn(name: name)
        return try await apiTransition(.writer) { context in
            if let existing = try context.tx.stateMachine(arn: arn) {
                guard existing.definition == definition, existing.roleArn == roleArn, existing.type == type else {
                    throw APIError(.stateMachineAlreadyExists, "State Machine Already Exists: '\(arn)'")
                }
                return (existing, false)
            }
            let record = try context.tx.transaction().insertStateMachine(
                StateMachineRecord(
                    arn: arn, name: name, type: type, roleArn: roleArn, definition: definition,
                    creationDate: context.now))
            return (record, true)
        }
    }

    /// UpdateStateMachine without the log.
    private func reviseStateMachine(arn: String, definition: String?, roleArn: String?) async throws(APIError)
        -> StateMachineRecord
    {
        guard StatesARN.stateMachineName(arn) != nil else { throw APIError(.invalidArn, "Invalid Arn: '\(arn)'") }
        if let definition { try Self.checkDefinition(definition) }
        return try await apiTransition(.writer) { context in
            guard try context.tx.stateMachine(arn: arn) != nil else {
                throw APIError(.stateMachineDoesNotExist, "State Machine Does Not Exist: '\(arn)'")
            }
            return try context.tx.transaction().updateStateMachine(
                arn: arn, definition: definition, roleArn: roleArn, at: context.now)
        }
    }

    /// Deletes a state machine (AWS DeleteStateMachine) with its versions, aliases and tags; its executions keep
    /// their history.
    /// - Throws: `APIError` — InvalidArn.
    public func deleteStateMachine(arn: String) async throws(APIError) {
        guard StatesARN.stateMachineName(arn) != nil else { throw APIError(.invalidArn, "Invalid Arn: '\(arn)'") }
        // Its versions and aliases go with it (the store cascades); its tags are removed here.
        _ = try await apiTransition(.writer) { context in
            let tx = try context.tx.transaction()
            try tx.removeTags(resourceArn: arn)
            return try tx.deleteStateMachine(arn: arn)
        }
    }

    /// Registers every `*.asl.json` file of a directory (`BATON_STATE_MACHINES`) under its file name: created
    /// when new, updated when its definition changed. Each file's definition warnings are logged once per call,
    /// whether the state machine was created, updated or already registered.
    /// - Returns: the registered ARNs.
    /// - Throws: `APIError` naming the file whose definition is invalid, or a file system error.
    public func registerStateMachines(in directory: URL) async throws -> [String] {
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.lastPathComponent.hasSuffix(".asl.json") }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        var registered: [String] = []
        for file in files {
            let name = String(file.lastPathComponent.dropLast(".asl.json".count))
            let definition = try String(contentsOf: file, encoding: .utf8)
            let arn = configuration.stateMachineArn(name: name)
            do {
                var record: StateMachineRecord
                if let existing = try await store.stateMachine(arn: arn) {
                    record = existing
                    if existing.definition != definition {
                        record = try await reviseStateMachine(arn: arn, definition: definition, roleArn: nil)
                    }
                } else {
                    record = try await insertStateMachine(
                        name: name, definition: definition, roleArn: "", type: "STANDARD"
                    ).record
                }
                logWarnings(of: record)
            } catch let error as APIError {
                throw APIError(error.code, "\(file.lastPathComponent): \(error.message)")
            }
            registered.append(arn)
        }
        return registered
    }

    private static func checkDefinition(_ definition: String) throws(APIError) {
        let issues = validate(definition: definition)
        guard issues.isEmpty else {
            throw APIError(
                .invalidDefinition,
                "Invalid State Machine Definition: '" + issues.map(\.description).joined(separator: "; ") + "'")
        }
    }
}
