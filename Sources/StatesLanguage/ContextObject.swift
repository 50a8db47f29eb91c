import BatonJSON
import Foundation

/// The context object a state sees as `$$`: execution, state, state machine, task token and Map item.
///
/// Build one per state entry (the interpreter fills in what it knows) and pass `json` wherever a path or
/// template is evaluated. Absent optional members are left out of the JSON, as AWS leaves out `Task` outside
/// `.waitForTaskToken` tasks and `Map` outside Map iterations.
public struct ContextObject: Sendable, Hashable {
    /// `$$.Execution`.
    public struct Execution: Sendable, Hashable {
        /// The execution ARN.
        public var id: String
        /// The execution's original input.
        public var input: JSON
        /// The execution name.
        public var name: String
        /// When the execution started.
        public var startTime: Date
        /// The IAM role ARN the execution runs as, if any.
        public var roleArn: String?
        /// How many times the execution has been redriven.
        public var redriveCount: Int

        /// Creates the execution part of the context object.
        public init(
            id: String,
            input: JSON,
            name: String,
            startTime: Date,
            roleArn: String? = nil,
            redriveCount: Int = 0
        ) {
            self.id = id
            self.input = input
            self.name = name
            self.startTime = startTime
            self.roleArn = roleArn
            self.redriveCount = redriveCount
        }
    }

    /// `$$.State`.
    public struct State: Sendable, Hashable {
        /// The state's name.
        public var name: String
        /// When the state was entered.
        public var enteredTime: Date
        /// How many retries have been made so far (0 on the first attempt); `nil` for a state that cannot retry
        /// (Pass, Choice, Wait, Succeed, Fail), whose context object AWS records without `RetryCount`.
        public var retryCount: Int?

        /// Creates the state part of the context object.
        public init(name: String, enteredTime: Date, retryCount: Int? = 0) {
            self.name = name
            self.enteredTime = enteredTime
            self.retryCount = retryCount
        }
    }

    /// `$$.StateMachine`.
    public struct StateMachine: Sendable, Hashable {
        /// The state machine ARN.
        public var id: String
        /// The state machine name.
        public var name: String

        /// Creates the state machine part of the context object.
        public init(id: String, name: String) {
            self.id = id
            self.name = name
        }
    }

    /// `$$.Map.Item`: the current iteration of a Map state.
    public struct MapItem: Sendable, Hashable {
        /// The item's zero-based index in the items array.
        public var index: Int
        /// The item itself.
        public var value: JSON

        /// Creates the Map item part of the context object.
        public init(index: Int, value: JSON) {
            self.index = index
            self.value = value
        }
    }

    /// `$$.Execution`.
    public var execution: Execution
    /// `$$.StateMachine`.
    public var stateMachine: StateMachine
    /// `$$.State`; `nil` only before the first state is entered.
    public var state: State?
    /// `$$.Task.Token`, present for `.waitForTaskToken` tasks.
    public var taskToken: String?
    /// `$$.Map.Item`, present inside a Map iteration's ItemSelector.
    public var mapItem: MapItem?

    /// Creates a context object.
    public init(
        execution: Execution,
        stateMachine: StateMachine,
        state: State? = nil,
        taskToken: String? = nil,
        mapItem: MapItem? = nil
    ) {
        self.execution = execution
        self.stateMachine = stateMachine
        self.state = state
        self.taskToken = taskToken
        self.mapItem = mapItem
    }

    /// The context object as JSON, member order as AWS shows it.
    public var json: JSON {
        var executionObject = JSONObject()
        executionObject["Id"] = .string(execution.id)
        executionObject["Input"] = execution.input
        executionObject["StartTime"] = .string(Self.timestamp(execution.startTime))
        executionObject["Name"] = .string(execution.name)
        if let roleArn = execution.roleArn { executionObject["RoleArn"] = .string(roleArn) }
        executionObject["RedriveCount"] = .integer(Int64(execution.redriveCount))
        var root = JSONObject()
        root["Execution"] = .object(executionObject)
        if let state {
            var stateObject: JSONObject = [
                "EnteredTime": .string(Self.timestamp(state.enteredTime)), "Name": .string(state.name),
            ]
            if let retryCount = state.retryCount { stateObject["RetryCount"] = .integer(Int64(retryCount)) }
            root["State"] = .object(stateObject)
        }
        root["StateMachine"] = ["Id": .string(stateMachine.id), "Name": .string(stateMachine.name)]
        if let taskToken { root["Task"] = ["Token": .string(taskToken)] }
        if let mapItem {
            root["Map"] = ["Item": ["Index": .integer(Int64(mapItem.index)), "Value": mapItem.value]]
        }
        return .object(root)
    }

    /// Formats a date as AWS formats context timestamps: ISO 8601, UTC, milliseconds, e.g.
    /// `2019-03-26T20:14:13.192Z`. Milliseconds are truncated, not rounded.
    public static func timestamp(_ date: Date) -> String {
        // Round to whole microseconds first so binary floating point error (-0.001 * 1000 = -1.0000000000000002)
        // does not push a value into the previous millisecond.
        let totalMilliseconds = Int64(((date.timeIntervalSince1970 * 1_000_000).rounded() / 1000).rounded(.down))
        var days = totalMilliseconds / 86_400_000
        var milliseconds = totalMilliseconds % 86_400_000
        if milliseconds < 0 {
            milliseconds += 86_400_000
            days -= 1
        }
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm), valid for the proleptic calendar.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int64, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        let hour = milliseconds / 3_600_000
        let minute = milliseconds / 60_000 % 60
        let second = milliseconds / 1000 % 60
        return
            "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2)).\(pad(milliseconds % 1000, 3))Z"
    }
}
