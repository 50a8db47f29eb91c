import Foundation
import StoreTestSupport
import Testing

@testable import ExecutionStore

/// Fixtures shared by the suites.
enum Fixture {
    static let machineArn = "arn:aws:states:us-east-1:000000000000:stateMachine:Demo"
    static let epoch = Date(timeIntervalSince1970: 1_700_000_000)

    static func stateMachine(arn: String = machineArn, name: String = "Demo") -> StateMachineRecord {
        StateMachineRecord(
            arn: arn,
            name: name,
            roleArn: "arn:aws:iam::000000000000:role/demo",
            definition: #"{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}"#,
            creationDate: epoch
        )
    }

    static func execution(_ name: String, machine: String = machineArn, at date: Date = epoch) -> NewExecution {
        NewExecution(
            arn: "arn:aws:states:us-east-1:000000000000:execution:Demo:\(name)",
            name: name,
            stateMachineArn: machine,
            stateMachineRevision: 1,
            input: #"{"n":1}"#,
            startDate: date,
            state: Data("state-of-\(name)".utf8)
        )
    }

    static func event(_ type: String, at date: Date = epoch) -> NewHistoryEvent {
        NewHistoryEvent(type: type, timestamp: date, details: Data(#"{"type":"\#(type)"}"#.utf8))
    }
}

/// A marker error thrown by transitions that must roll back.
struct DeliberateFailure: Error {}
