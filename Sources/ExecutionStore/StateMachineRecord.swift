import Foundation

/// A registered state machine: its latest definition and when it was created and last updated.
public struct StateMachineRecord: Sendable, Hashable {
    /// The state machine's ARN, its primary key.
    public var arn: String
    /// The state machine's name, unique in the store.
    public var name: String
    /// `STANDARD` or `EXPRESS`.
    public var type: String
    /// The IAM role ARN given at creation (kept for API compatibility; Baton does not use it).
    public var roleArn: String
    /// The latest definition (Amazon States Language JSON).
    public var definition: String
    /// The latest revision, starting at 1 and raised by each update.
    public var revision: Int
    /// When the state machine was created.
    public var creationDate: Date
    /// When the state machine was last updated (the creation date until then).
    public var updateDate: Date

    /// Creates a record.
    /// - Parameters:
    ///   - arn: the state machine's ARN.
    ///   - name: its unique name.
    ///   - type: `STANDARD` or `EXPRESS`.
    ///   - roleArn: the IAM role ARN.
    ///   - definition: the ASL JSON.
    ///   - revision: the revision, 1 for a new state machine.
    ///   - creationDate: when it was created.
    ///   - updateDate: when it was last updated; defaults to `creationDate`.
    public init(
        arn: String,
        name: String,
        type: String = "STANDARD",
        roleArn: String,
        definition: String,
        revision: Int = 1,
        creationDate: Date,
        updateDate: Date? = nil
    ) {
        self.arn = arn
        self.name = name
        self.type = type
        self.roleArn = roleArn
        self.definition = definition
        self.revision = revision
        self.creationDate = creationDate
        self.updateDate = updateDate ?? creationDate
    }
}

extension StateMachineRecord {
    static let columns = "arn, name, type, role_arn, definition, revision, creation_date, update_date"

    init(row: StoreRow) throws {
        try self.init(
            arn: row[0],
            name: row[1],
            type: row[2],
            roleArn: row[3],
            definition: row[4],
            revision: row[5],
            creationDate: Date(millisecondsSince1970: row[6]),
            updateDate: Date(millisecondsSince1970: row[7])
        )
    }

    static func fetch(_ db: any StoreConnection, arn: String) throws -> StateMachineRecord? {
        try db.row("SELECT \(columns) FROM state_machine WHERE arn = ?", [.text(arn)]).map(
            StateMachineRecord.init(row:))
    }

    static func fetch(_ db: any StoreConnection, name: String) throws -> StateMachineRecord? {
        try db.row("SELECT \(columns) FROM state_machine WHERE name = ?", [.text(name)])
            .map(StateMachineRecord.init(row:))
    }

    static func definition(_ db: any StoreConnection, arn: String, revision: Int) throws -> String? {
        try db.value(
            "SELECT definition FROM state_machine_revision WHERE state_machine_arn = ? AND revision = ?",
            arguments: [arn, revision])
    }
}
