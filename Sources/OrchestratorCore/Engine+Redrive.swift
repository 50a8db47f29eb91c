import ExecutionStore
import Foundation
import StatesLanguage

/// Whether an execution can be redriven now, as DescribeExecution shows it (`redriveStatus`,
/// `redriveStatusReason`) and as RedriveExecution decides.
public struct RedriveEligibility: Sendable, Hashable {
    /// `nil` when redrivable; otherwise AWS's reason (`redriveStatusReason`), also the ExecutionNotRedrivable message.
    public var refusal: String?

    /// `REDRIVABLE` or `NOT_REDRIVABLE`.
    public var status: String { refusal == nil ? "REDRIVABLE" : "NOT_REDRIVABLE" }
}

extension Engine {
    /// How often one execution may be redriven (AWS's hard limit for a Map Run, which Baton applies to executions).
    public static let maximumRedrives = 1000
    /// How long after it stopped an execution may be redriven: 14 days, as on AWS.
    public static let redrivablePeriod: TimeInterval = 14 * 86_400
    /// An execution may not be redriven once it has been open (since its start) this long: one year, as on AWS.
    static let maximumOpenTime: TimeInterval = 365 * 86_400
    /// The history must leave room for `ExecutionRedriven` and one more event under AWS's 25,000.
    static let redriveHistoryLimit: Int64 = 24_999
    /// How long a client token makes a repeated RedriveExecution answer the earlier one (AWS: 15 minutes).
    static let clientTokenLifetime: TimeInterval = 15 * 60

    /// Whether an execution can be redriven at `now`; AWS's reasons when it cannot.
    /// - Parameters:
    ///   - record: the execution.
    ///   - state: its stored interpreter state (`nil` or empty when unreadable).
    ///   - redriveCount: how often it was redriven.
    ///   - machine: its state machine, `nil` when deleted.
    ///   - now: the time of the question.
    static func redriveEligibility(
        _ record: ExecutionRecord, state: ExecutionState?, redriveCount: Int, machine: StateMachineRecord?,
        at now: Date
    ) -> RedriveEligibility {
        func refuse(_ reason: String) -> RedriveEligibility { RedriveEligibility(refusal: reason) }
        switch record.status {
        case .running: return refuse("Execution is RUNNING and cannot be redriven")
        case .succeeded: return refuse("Execution is SUCCEEDED and cannot be redriven")
        default: break
        }
        guard let machine else { return refuse("State machine is in DELETING status") }
        if machine.type == "EXPRESS" { return refuse("Execution of an EXPRESS state machine cannot be redriven") }
        guard let state, state.canRedrive else {
            return refuse("Execution was started before the launch of RedriveExecution")
        }
        if record.nextEventID - 1 >= redriveHistoryLimit { return refuse("Execution history event limit exceeded") }
        if now.timeIntervalSince(record.startDate) > maximumOpenTime {
            return refuse("Execution has exceeded the max execution time")
        }
        if let stop = record.stopDate, now.timeIntervalSince(stop) > redrivablePeriod {
            return refuse("Execution redrivable period exceeded")
        }
        if redriveCount >= maximumRedrives {
            return refuse("Execution has been redriven the maximum number of times (\(maximumRedrives))")
        }
        return RedriveEligibility(refusal: nil)
    }

    /// Decodes a stored interpreter state; `nil` when there is none or it does not decode.
    static func storedState(_ data: Data?) -> ExecutionState? {
        guard let data, !data.isEmpty else { return nil }
        return try? StateCoding.decoder.decode(ExecutionState.self, from: data)
    }

    /// RedriveExecution: a FAILED, TIMED_OUT or ABORTED execution runs again from the states it stopped in, with
    /// the same ARN, in one transaction: it is RUNNING again, `ExecutionRedriven` is recorded, and its tasks are
    /// scheduled anew (new task ids, so new tokens; the old ones stay refused). The same `clientToken` within 15
    /// minutes answers the earlier redrive's date and changes nothing.
    /// - Parameters:
    ///   - executionArn: the execution.
    ///   - clientToken: the request's idempotency token, if any (1–64 printable ASCII characters).
    /// - Returns: the redrive date.
    /// - Throws: `APIError` — InvalidArn, ValidationException, ExecutionDoesNotExist, ExecutionNotRedrivable,
    ///   InternalFailure.
    public func redriveExecution(executionArn: String, clientToken: String? = nil) async throws(APIError) -> Date {
        guard StatesARN.executionNames(executionArn) != nil else {
            throw APIError(.invalidArn, "Invalid Arn: '\(executionArn.prefix(256))'")
        }
        if let clientToken {
            guard (1...64).contains(clientToken.utf8.count),
                clientToken.utf8.allSatisfy({ (0x21...0x7E).contains($0) })
            else {
                throw APIError(
                    .validation,
                    "1 validation error detected: Value at 'clientToken' failed to satisfy constraint: Member must "
                        + "have length between 1 and 64 and satisfy regular expression pattern: [!-~]+")
            }
        }
        let executionID = try await storedExecutionID(executionArn)
        do {
            // In the execution's lane (no transition of it is planned meanwhile), on the writer: reopening a
            // stopped execution is not a planned transition's write.
            return try await lanes.withLane(executionID) {
                _ = states.take(entryOf: executionID)
                return try await commit { context in
                    try Self.redrive(executionID, clientToken: clientToken, in: &context)
                }
            }
        } catch {
            throw apiError(error)
        }
    }

    private static func redrive(_ executionID: Int64, clientToken: String?, in context: inout TransitionContext)
        throws -> Date
    {
        let tx = context.tx
        let now = context.now
        guard let record = try tx.execution(id: executionID) else {
            throw APIError(.executionDoesNotExist, "Execution Does Not Exist: id \(executionID)")
        }
        let redrives = try tx.transaction().redrives(executionID: executionID)
        if let clientToken,
            let earlier = redrives.recentTokens.first(where: { $0.token == clientToken }),
            now.timeIntervalSince(earlier.date) <= clientTokenLifetime
        {
            return earlier.date
        }
        let state = storedState(try tx.executionState(id: executionID))
        let machine = try tx.stateMachine(arn: record.stateMachineArn)
        let eligibility = redriveEligibility(
            record, state: state, redriveCount: redrives.count, machine: machine, at: now)
        if let refusal = eligibility.refusal {
            throw APIError(.named("ExecutionNotRedrivable"), refusal)
        }
        guard try tx.transaction().reopenExecution(executionID, at: now, clientToken: clientToken) != nil else {
            throw APIError(
                .named("ExecutionNotRedrivable"), "Execution is \(record.status.rawValue) and cannot be redriven")
        }
        try context.run([.redriven(at: now)], executionID: executionID)
        // The date as stored (whole milliseconds), so a repeated request with the client token answers the same.
        return Date(timeIntervalSince1970: (now.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }
}
