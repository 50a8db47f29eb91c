import Foundation

/// A published version of a state machine: an immutable snapshot of one revision's definition and the role it had
/// when it was published. Its ARN is the state machine's ARN and the version number, `…:stateMachine:name:3`.
public struct StateMachineVersionRecord: Sendable, Hashable {
    /// The (unqualified) ARN of the state machine it belongs to.
    public var stateMachineArn: String
    /// The version number, from 1; never reused, even after the version is deleted.
    public var version: Int
    /// The state machine revision it snapshots (its definition is that revision's).
    public var revision: Int
    /// The role ARN the state machine had when the version was published.
    public var roleArn: String
    /// The version's description, if one was given.
    public var description: String?
    /// When it was published.
    public var creationDate: Date

    /// Creates a record.
    /// - Parameters:
    ///   - stateMachineArn: the state machine's unqualified ARN.
    ///   - version: the version number.
    ///   - revision: the revision it snapshots.
    ///   - roleArn: the role at publication.
    ///   - description: the version description.
    ///   - creationDate: when it was published.
    public init(
        stateMachineArn: String, version: Int, revision: Int, roleArn: String, description: String?,
        creationDate: Date
    ) {
        self.stateMachineArn = stateMachineArn
        self.version = version
        self.revision = revision
        self.roleArn = roleArn
        self.description = description
        self.creationDate = creationDate
    }

    /// The version's ARN: the state machine's ARN, a colon and the version number.
    public var arn: String { "\(stateMachineArn):\(version)" }
}

extension StateMachineVersionRecord {
    static let columns = "state_machine_arn, version, revision, role_arn, description, creation_date"

    init(row: StoreRow) throws {
        try self.init(
            stateMachineArn: row[0], version: row[1], revision: row[2], roleArn: row[3], description: row[4],
            creationDate: Date(millisecondsSince1970: row[5]))
    }

    static func fetch(_ db: any StoreConnection, stateMachineArn: String, version: Int) throws
        -> StateMachineVersionRecord?
    {
        try db.row(
            "SELECT \(columns) FROM state_machine_version WHERE state_machine_arn = ? AND version = ?",
            arguments: [stateMachineArn, version]
        ).map(Self.init(row:))
    }

    static func latest(_ db: any StoreConnection, stateMachineArn: String) throws -> StateMachineVersionRecord? {
        try db.row(
            "SELECT \(columns) FROM state_machine_version WHERE state_machine_arn = ? ORDER BY version DESC LIMIT 1",
            [.text(stateMachineArn)]
        ).map(Self.init(row:))
    }

    static func count(_ db: any StoreConnection, stateMachineArn: String) throws -> Int {
        try db.value(
            "SELECT count(*) FROM state_machine_version WHERE state_machine_arn = ?", [.text(stateMachineArn)]) ?? 0
    }

    /// Versions newest first, after the version number `cursor` (exclusive).
    static func page(_ db: any StoreConnection, stateMachineArn: String, limit: Int, before cursor: Int64?) throws
        -> [StateMachineVersionRecord]
    {
        try db.rows(
            """
            SELECT \(columns) FROM state_machine_version WHERE state_machine_arn = ? AND version < ?
            ORDER BY version DESC LIMIT ?
            """,
            arguments: [stateMachineArn, cursor ?? Int64.max, limit]
        ).map(Self.init(row:))
    }
}

/// A state machine alias: a name that routes StartExecution to one version, or splits it between two by weight.
/// Its ARN is the state machine's ARN and the alias name, `…:stateMachine:name:prod`.
public struct StateMachineAliasRecord: Sendable, Hashable {
    /// One version an alias routes to, with its share of the executions in percent.
    public struct Route: Sendable, Hashable {
        /// The version number.
        public var version: Int
        /// The share, 0–100; the routes of an alias sum to 100.
        public var weight: Int

        /// Creates a route.
        public init(version: Int, weight: Int) {
            self.version = version
            self.weight = weight
        }
    }

    /// The state machine's (unqualified) ARN.
    public var stateMachineArn: String
    /// The alias name (not all digits, so it never reads as a version number).
    public var name: String
    /// The alias description, if any.
    public var description: String?
    /// One or two routes, in the order given.
    public var routes: [Route]
    /// When it was created.
    public var creationDate: Date
    /// When it was last updated (the creation date until then).
    public var updateDate: Date

    /// Creates a record.
    /// - Parameters:
    ///   - stateMachineArn: the state machine's unqualified ARN.
    ///   - name: the alias name.
    ///   - description: the description.
    ///   - routes: one or two routes.
    ///   - creationDate: when it was created.
    ///   - updateDate: when it was last updated; defaults to `creationDate`.
    public init(
        stateMachineArn: String, name: String, description: String?, routes: [Route], creationDate: Date,
        updateDate: Date? = nil
    ) {
        self.stateMachineArn = stateMachineArn
        self.name = name
        self.description = description
        self.routes = routes
        self.creationDate = creationDate
        self.updateDate = updateDate ?? creationDate
    }

    /// The alias's ARN: the state machine's ARN, a colon and the alias name.
    public var arn: String { "\(stateMachineArn):\(name)" }
}

extension StateMachineAliasRecord {
    static let columns = """
        state_machine_arn, name, description, first_version, first_weight, second_version, second_weight, \
        creation_date, update_date
        """

    init(row: StoreRow) throws {
        var routes = try [Route(version: row[3], weight: row[4])]
        if let version = try row[5] as Int?, let weight = try row[6] as Int? {
            routes.append(Route(version: version, weight: weight))
        }
        try self.init(
            stateMachineArn: row[0], name: row[1], description: row[2], routes: routes,
            creationDate: Date(millisecondsSince1970: row[7]), updateDate: Date(millisecondsSince1970: row[8]))
    }

    static func fetch(_ db: any StoreConnection, arn: String) throws -> StateMachineAliasRecord? {
        try db.row("SELECT \(columns) FROM state_machine_alias WHERE arn = ?", [.text(arn)]).map(Self.init(row:))
    }

    static func count(_ db: any StoreConnection, stateMachineArn: String) throws -> Int {
        try db.value(
            "SELECT count(*) FROM state_machine_alias WHERE state_machine_arn = ?", [.text(stateMachineArn)]) ?? 0
    }

    /// The aliases of a state machine (or only those routing to `version`) in creation order, after the rowid
    /// `cursor`, each with its rowid; all of them when `limit` is negative.
    static func page(_ db: any StoreConnection, stateMachineArn: String, version: Int?, limit: Int, after cursor: Int64)
        throws -> [(record: StateMachineAliasRecord, rowID: Int64)]
    {
        var sql = "SELECT \(columns), rowid FROM state_machine_alias WHERE state_machine_arn = ? AND rowid > ?"
        var arguments: [SQLValue] = [.text(stateMachineArn), .integer(cursor)]
        if let version {
            sql += " AND (first_version = ? OR second_version = ?)"
            arguments += [.integer(Int64(version)), .integer(Int64(version))]
        }
        sql += " ORDER BY rowid"
        if limit >= 0 {
            // Not `LIMIT -1` for all: PostgreSQL refuses a negative LIMIT.
            sql += " LIMIT ?"
            arguments.append(.integer(Int64(limit)))
        }
        return try db.rows(sql, arguments).map { try (Self.init(row: $0), $0[9]) }
    }
}

/// A tag of a resource (a state machine): a key and a value.
public struct ResourceTag: Sendable, Hashable {
    /// The key, unique per resource.
    public var key: String
    /// The value, possibly empty.
    public var value: String

    /// Creates a tag.
    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }

    /// Whether a resource that can carry tags exists: a state machine or an activity with this ARN. (A row or none,
    /// rather than the value of `EXISTS …`, which is an integer on SQLite and a boolean on PostgreSQL.)
    static func resourceExists(_ db: any StoreConnection, arn: String) throws -> Bool {
        try db.row(
            """
            SELECT 1 WHERE EXISTS (SELECT 1 FROM state_machine WHERE arn = ?)
                OR EXISTS (SELECT 1 FROM activity WHERE arn = ?)
            """,
            [.text(arn), .text(arn)]) != nil
    }

    static func fetchAll(_ db: any StoreConnection, resourceArn: String) throws -> [ResourceTag] {
        try db.rows("SELECT key, value FROM resource_tag WHERE resource_arn = ? ORDER BY rowid", [.text(resourceArn)])
            .map { try ResourceTag(key: $0[0], value: $0[1]) }
    }
}
