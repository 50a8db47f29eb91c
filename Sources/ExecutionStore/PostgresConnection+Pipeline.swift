import CLibPQ
import Foundation

extension PostgresConnection {
    /// How many statements go out before the client stops to read their results. libpq's blocking mode cannot read
    /// while it writes: a pipeline whose results fill the server's socket buffer while the client still writes
    /// would stall both; the results of this many small statements stay far below that.
    static let pipelineChunk = 256

    /// Runs `sql` once per list of arguments in libpq's pipeline mode: the statements go out back to back and the
    /// client waits for the server once per ``pipelineChunk`` statements instead of once per statement.
    ///
    /// Each chunk ends with a sync point. Inside a transaction a failed statement aborts it (PostgreSQL skips the
    /// rest of the chunk and refuses everything but ROLLBACK after); outside one, each chunk's statements before the
    /// failure are committed by the sync point. A first step towards sending a whole group commit in one round
    /// trip; the store does not use it yet.
    /// - Parameters:
    ///   - sql: one statement with `?` placeholders.
    ///   - argumentLists: the arguments of each run.
    /// - Returns: how many rows the runs changed in all.
    /// - Throws: ``StoreDatabaseError``: the first statement's failure (from the funnel), or libpq's refusal.
    func runPipelined(_ sql: String, _ argumentLists: [[SQLValue]]) throws -> Int {
        guard let statement = try self.statement(sql) as? PostgresStatement else { return 0 }
        let handle = try open()
        if statement.preparedEpoch != preparationEpoch { try prepare(statement, handle) }
        let transactionWasOpen = PQtransactionStatus(handle) != PQTRANS_IDLE
        guard PQenterPipelineMode(handle) == 1 else { throw refusal("PQenterPipelineMode", handle, sql) }
        var changed = 0
        var firstFailure: (any Error)?
        var start = 0
        while start < argumentLists.count && firstFailure == nil {
            let chunk = argumentLists[start..<min(start + Self.pipelineChunk, argumentLists.count)]
            start = chunk.endIndex
            for arguments in chunk {
                statement.bind(arguments)
                guard try statement.send(handle) else { throw refusal("PQsendQueryPrepared", handle, sql) }
            }
            guard PQpipelineSync(handle) == 1 else { throw refusal("PQpipelineSync", handle, sql) }
            for _ in chunk {
                // Each statement's result, then the nil that ends it; a statement after a failure is only aborted.
                let result = PQgetResult(handle)
                if let result, PQresultStatus(result) == PGRES_PIPELINE_ABORTED {
                    PQclear(result)
                } else {
                    do {
                        let result = try check(result, handle, sql: sql, transactionWasOpen: transactionWasOpen)
                        changed += Int(String(cString: PQcmdTuples(result))) ?? 0
                        PQclear(result)
                    } catch let error as StoreDatabaseError where error.kind == .connectionLost {
                        throw error  // the funnel closed the connection: nothing more to read
                    } catch {
                        firstFailure = firstFailure ?? error
                    }
                }
                while let extra = PQgetResult(handle) { PQclear(extra) }
            }
            // The sync point's own result.
            let sync = PQgetResult(handle)
            defer { PQclear(sync) }
            guard let sync, PQresultStatus(sync) == PGRES_PIPELINE_SYNC else {
                throw refusal("PQpipelineSync", handle, sql)
            }
        }
        PQexitPipelineMode(handle)
        if let firstFailure { throw firstFailure }
        return changed
    }

    /// libpq refused a pipeline call: the connection is left in no known state, so it is closed (the next use
    /// connects again) and the error says what libpq said.
    private func refusal(_ call: String, _ handle: OpaquePointer, _ sql: String) -> any Error {
        let message = String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines)
        drop(transactionWasOpen: true)
        return StoreDatabaseError(.connectionLost, message: "\(call) failed: \(message)", sql: sql)
    }
}
