import Foundation
import StatesLanguage

/// What a new execution starts with; see ``Transaction/insertExecution(_:)``.
public struct NewExecution: Sendable, Hashable {
    /// The execution's ARN, unique in the store.
    public var arn: String
    /// The execution's name.
    public var name: String
    /// The ARN of the state machine it runs.
    public var stateMachineArn: String
    /// The revision of that state machine it runs (later updates do not change a running execution).
    public var stateMachineRevision: Int
    /// The execution input (JSON text).
    public var input: String
    /// When the execution started.
    public var startDate: Date
    /// The interpreter's serialized state, opaque to the store.
    public var state: Data
    /// The W3C `traceparent` of the request that started it, if any.
    public var traceParent: String?
    /// The version ARN it was started through (directly or by an alias), if any.
    public var stateMachineVersionArn: String?
    /// The alias ARN it was started through, if any.
    public var stateMachineAliasArn: String?

    /// Creates a new execution value.
    /// - Parameters:
    ///   - arn: unique execution ARN.
    ///   - name: execution name.
    ///   - stateMachineArn: the state machine it runs.
    ///   - stateMachineRevision: the revision it runs.
    ///   - input: the input JSON text.
    ///   - startDate: when it started.
    ///   - state: the interpreter's initial serialized state.
    ///   - traceParent: the W3C trace context, if any.
    ///   - stateMachineVersionArn: the version it was started through, if any.
    ///   - stateMachineAliasArn: the alias it was started through, if any.
    public init(
        arn: String,
        name: String,
        stateMachineArn: String,
        stateMachineRevision: Int,
        input: String,
        startDate: Date,
        state: Data,
        traceParent: String? = nil,
        stateMachineVersionArn: String? = nil,
        stateMachineAliasArn: String? = nil
    ) {
        self.arn = arn
        self.name = name
        self.stateMachineArn = stateMachineArn
        self.stateMachineRevision = stateMachineRevision
        self.input = input
        self.startDate = startDate
        self.state = state
        self.traceParent = traceParent
        self.stateMachineVersionArn = stateMachineVersionArn
        self.stateMachineAliasArn = stateMachineAliasArn
    }
}

/// An execution as stored, without its (possibly large) interpreter state; see
/// ``ExecutionStore/executionState(id:)``.
public struct ExecutionRecord: Sendable, Hashable {
    /// The store's id of the execution, stable for its lifetime; task tokens are signed over it.
    public var id: Int64
    /// The execution's ARN.
    public var arn: String
    /// The execution's name.
    public var name: String
    /// The ARN of the state machine it runs.
    public var stateMachineArn: String
    /// The revision of the state machine it runs.
    public var stateMachineRevision: Int
    /// The current status.
    public var status: ExecutionStatus
    /// The input JSON text.
    public var input: String
    /// The output JSON text, once succeeded.
    public var output: String?
    /// The error name, once failed, timed out or aborted.
    public var error: String?
    /// The cause, once failed, timed out or aborted.
    public var cause: String?
    /// When it started.
    public var startDate: Date
    /// When it finished, once finished.
    public var stopDate: Date?
    /// The id the next history event of this execution gets (events are numbered from 1).
    public var nextEventID: Int64
    /// The W3C `traceparent` it was started with, if any.
    public var traceParent: String?
    /// The version ARN it was started through (directly or by an alias), if any.
    public var stateMachineVersionArn: String? = nil
    /// The alias ARN it was started through, if any.
    public var stateMachineAliasArn: String? = nil
}

extension ExecutionRecord {
    /// The record a freshly inserted execution has (RUNNING, no history yet): what
    /// ``Transaction/insertExecution(_:id:)`` stores for `execution` under `id`.
    public init(inserting execution: NewExecution, id: Int64) {
        self.init(
            id: id, arn: execution.arn, name: execution.name, stateMachineArn: execution.stateMachineArn,
            stateMachineRevision: execution.stateMachineRevision, status: .running, input: execution.input,
            startDate: Date(millisecondsSince1970: execution.startDate.millisecondsSince1970), nextEventID: 1,
            traceParent: execution.traceParent, stateMachineVersionArn: execution.stateMachineVersionArn,
            stateMachineAliasArn: execution.stateMachineAliasArn)
    }

    static let columns = """
        id, arn, name, state_machine_arn, state_machine_revision, status, input, output, error, cause, \
        start_date, stop_date, next_event_id, trace_parent, state_machine_version_arn, state_machine_alias_arn
        """

    init(row: StoreRow) throws {
        let rawStatus: String = try row[5]
        guard let status = ExecutionStatus(rawValue: rawStatus) else {
            throw ExecutionStoreError(.database, message: "execution row has an unknown status '\(rawStatus)'")
        }
        try self.init(
            id: row[0],
            arn: row[1],
            name: row[2],
            stateMachineArn: row[3],
            stateMachineRevision: row[4],
            status: status,
            input: row[6],
            output: row[7],
            error: row[8],
            cause: row[9],
            startDate: Date(millisecondsSince1970: row[10]),
            stopDate: (row[11] as Int64?).map(Date.init(millisecondsSince1970:)),
            nextEventID: row[12],
            traceParent: row[13],
            stateMachineVersionArn: row[14],
            stateMachineAliasArn: row[15]
        )
    }

    static func fetch(_ db: any StoreConnection, id: Int64) throws -> ExecutionRecord? {
        try db.row("SELECT \(columns) FROM execution WHERE id = ?", [.integer(id)]).map { try ExecutionRecord(row: $0) }
    }

    static func fetch(_ db: any StoreConnection, arn: String) throws -> ExecutionRecord? {
        try db.row("SELECT \(columns) FROM execution WHERE arn = ?", [.text(arn)]).map { try ExecutionRecord(row: $0) }
    }

    static func state(_ db: any StoreConnection, id: Int64) throws -> Data? {
        try db.value("SELECT state FROM execution WHERE id = ?", [.integer(id)])
    }
}
