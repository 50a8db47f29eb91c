import Foundation

// MARK: - Versions, aliases and tags

extension Transaction {
    /// The version of a state machine with this number, or `nil`.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func stateMachineVersion(stateMachineArn: String, version: Int) throws -> StateMachineVersionRecord? {
        try StateMachineVersionRecord.fetch(db, stateMachineArn: stateMachineArn, version: version)
    }

    /// The newest version of a state machine, or `nil` when it has none.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func latestStateMachineVersion(stateMachineArn: String) throws -> StateMachineVersionRecord? {
        try StateMachineVersionRecord.latest(db, stateMachineArn: stateMachineArn)
    }

    /// How many versions a state machine has.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func stateMachineVersionCount(stateMachineArn: String) throws -> Int {
        try StateMachineVersionRecord.count(db, stateMachineArn: stateMachineArn)
    }

    /// Publishes the state machine's current revision and role as its next version: the number after the highest
    /// ever given (deleted versions' numbers are not reused).
    /// - Parameters:
    ///   - stateMachineArn: the state machine.
    ///   - description: the version description.
    ///   - date: the publication date.
    /// - Returns: the new version.
    /// - Throws: ``ExecutionStoreError`` `stateMachineNotFound`.
    public func publishStateMachineVersion(stateMachineArn: String, description: String?, at date: Date) throws
        -> StateMachineVersionRecord
    {
        guard let machine = try StateMachineRecord.fetch(db, arn: stateMachineArn) else {
            throw ExecutionStoreError(.stateMachineNotFound, message: "no state machine with this ARN")
        }
        let last: Int = try db.value("SELECT last_version FROM state_machine WHERE arn = ?", [.text(machine.arn)]) ?? 0
        let record = StateMachineVersionRecord(
            stateMachineArn: machine.arn, version: last + 1, revision: machine.revision, roleArn: machine.roleArn,
            description: description, creationDate: Date(millisecondsSince1970: date.millisecondsSince1970))
        try db.execute(
            "UPDATE state_machine SET last_version = ? WHERE arn = ?", arguments: [record.version, machine.arn])
        try db.execute(
            "INSERT INTO state_machine_version (\(StateMachineVersionRecord.columns)) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [
                record.stateMachineArn, record.version, record.revision, record.roleArn, record.description,
                date.millisecondsSince1970,
            ])
        return record
    }

    /// Deletes a version.
    /// - Returns: whether it existed.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    @discardableResult
    public func deleteStateMachineVersion(stateMachineArn: String, version: Int) throws -> Bool {
        try db.execute(
            "DELETE FROM state_machine_version WHERE state_machine_arn = ? AND version = ?",
            arguments: [stateMachineArn, version]) > 0
    }

    /// The names of the aliases that route to a version, in creation order.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func aliasNames(routingTo version: Int, stateMachineArn: String) throws -> [String] {
        try StateMachineAliasRecord.page(db, stateMachineArn: stateMachineArn, version: version, limit: -1, after: 0)
            .map(\.record.name)
    }

    /// The alias with this ARN, or `nil`.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func stateMachineAlias(arn: String) throws -> StateMachineAliasRecord? {
        try StateMachineAliasRecord.fetch(db, arn: arn)
    }

    /// How many aliases a state machine has.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func stateMachineAliasCount(stateMachineArn: String) throws -> Int {
        try StateMachineAliasRecord.count(db, stateMachineArn: stateMachineArn)
    }

    /// Stores a new alias, or replaces the description and routes of an existing one (keeping its creation
    /// date and position).
    /// - Throws: ``ExecutionStoreError`` on a database failure (e.g. its state machine does not exist).
    public func saveStateMachineAlias(_ alias: StateMachineAliasRecord) throws {
        let routes = alias.routes
        try db.execute(
            """
            INSERT INTO state_machine_alias (arn, \(StateMachineAliasRecord.columns))
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (arn) DO UPDATE SET description = excluded.description,
                first_version = excluded.first_version, first_weight = excluded.first_weight,
                second_version = excluded.second_version, second_weight = excluded.second_weight,
                update_date = excluded.update_date
            """,
            arguments: [
                alias.arn, alias.stateMachineArn, alias.name, alias.description, routes[0].version, routes[0].weight,
                routes.count > 1 ? routes[1].version : Int?.none, routes.count > 1 ? routes[1].weight : Int?.none,
                alias.creationDate.millisecondsSince1970, alias.updateDate.millisecondsSince1970,
            ])
    }

    /// Deletes an alias.
    /// - Returns: whether it existed.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    @discardableResult
    public func deleteStateMachineAlias(arn: String) throws -> Bool {
        try db.execute("DELETE FROM state_machine_alias WHERE arn = ?", [.text(arn)]) > 0
    }

    /// Whether a resource that can carry tags exists: a state machine or an activity with this ARN.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func taggableResourceExists(arn: String) throws -> Bool {
        try ResourceTag.resourceExists(db, arn: arn)
    }

    /// The tags of a resource, oldest key first.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func tags(resourceArn: String) throws -> [ResourceTag] {
        try ResourceTag.fetchAll(db, resourceArn: resourceArn)
    }

    /// Adds tags to a resource; a key it already has gets the new value.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func addTags(_ tags: [ResourceTag], resourceArn: String) throws {
        for tag in tags {
            try db.execute(
                """
                INSERT INTO resource_tag (resource_arn, key, value) VALUES (?, ?, ?)
                ON CONFLICT (resource_arn, key) DO UPDATE SET value = excluded.value
                """,
                [.text(resourceArn), .text(tag.key), .text(tag.value)])
        }
    }

    /// Removes tags from a resource by key; keys it does not have are ignored.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func removeTags(keys: [String], resourceArn: String) throws {
        for key in keys {
            try db.execute(
                "DELETE FROM resource_tag WHERE resource_arn = ? AND key = ?", [.text(resourceArn), .text(key)])
        }
    }

    /// Removes every tag of a resource (when the resource is deleted).
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func removeTags(resourceArn: String) throws {
        try db.execute("DELETE FROM resource_tag WHERE resource_arn = ?", [.text(resourceArn)])
    }

    /// When a revision of a state machine was made, or `nil` if there is no such revision.
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func stateMachineRevisionDate(arn: String, revision: Int) throws -> Date? {
        try StateMachineRecord.revisionDate(db, arn: arn, revision: revision)
    }
}

extension StateMachineRecord {
    static func revisionRole(_ db: any StoreConnection, arn: String, revision: Int) throws -> String? {
        try db.value(
            "SELECT role_arn FROM state_machine_revision WHERE state_machine_arn = ? AND revision = ?",
            arguments: [arn, revision])
    }

    static func revisionDate(_ db: any StoreConnection, arn: String, revision: Int) throws -> Date? {
        let date: Int64? = try db.value(
            "SELECT creation_date FROM state_machine_revision WHERE state_machine_arn = ? AND revision = ?",
            arguments: [arn, revision])
        return date.map(Date.init(millisecondsSince1970:))
    }
}
