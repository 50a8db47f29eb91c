import BatonBroker
import BatonJSON
import BatonProtocol
import BatonTestSupport
import Foundation
import LocalProcesses
import StatesLanguage
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// K orchestrator shards under one queue prefix: shard 0 is the fixture's orchestrator, the others run as extra
/// processes of the fixture, each with its own store; all share the token key. Mutated only by the test's task.
final class ShardedSystem: @unchecked Sendable {
    let system: SystemFixture
    let map: ShardMap
    /// Shards 1..<K (shard 0 is `system.orchestrator`).
    private var others: [Int: ManagedProcess] = [:]

    init(label: String, shards: Int = 3) async throws {
        map = ShardMap(count: shards)
        system = try await SystemFixture(
            label: label, environment: ["BATON_SHARDS": "\(shards)", "BATON_SHARD": "0"])
        for shard in 0..<shards {
            system.track(queue: system.names.commandQueue(shard: shard))
            system.track(queue: system.names.callbackQueue(shard: shard))
        }
        for shard in 1..<shards { try await start(shard) }
    }

    private func start(_ shard: Int) async throws {
        let process = try system.start(
            "orchestrator",
            environment: [
                "BATON_SHARDS": "\(map.count)", "BATON_SHARD": "\(shard)",
                "BATON_DATA_DIR": system.directory.appendingPathComponent("orchestrator-\(shard)").path,
                "BATON_TOKEN_KEY": "test-key-\(system.names.prefix)", "BATON_API_ADDRESS": "127.0.0.1:0",
                "BATON_LOG_LEVEL": "info",
            ].merging(SystemFixture.storeEnvironment(system.names.prefix)) { _, new in new })
        try await process.waitForLog("orchestrator ready")
        others[shard] = process
    }

    /// kill -9 of shard `shard` (≥ 1).
    func crash(_ shard: Int) async throws { try await others[shard]!.crash() }

    /// Starts shard `shard` (≥ 1) again on its store; waits until it is ready.
    func restart(_ shard: Int) async throws { try await start(shard) }

    /// Runs `body` with a client that knows the shards (commands about one execution go straight to its shard).
    func withShardAwareClient<T: Sendable>(_ body: (BatonClient) async throws -> T) async throws -> T {
        try await BatonClient.withClient(bus: system.bus, names: system.names, shards: map, body)
    }

    /// One AWS JSON 1.0 request to shard 0's HTTP API; returns the HTTP status and the parsed body.
    func http(_ action: String, _ body: JSON) async throws -> (Int, JSON) {
        var request = URLRequest(url: try #require(system.apiURL))
        request.httpMethod = "POST"
        request.setValue("application/x-amz-json-1.0", forHTTPHeaderField: "Content-Type")
        request.setValue("AWSStepFunctions.\(action)", forHTTPHeaderField: "X-Amz-Target")
        request.httpBody = Data(body.serialized.utf8)
        request.timeoutInterval = 20
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, try JSON(parsing: Array(data)))
    }
}

extension BatonClient {
    /// The ARNs of the executions with a status, paging through ListExecutions with small pages (so the
    /// cross-shard nextToken is exercised).
    func executionArns(status: String, pageSize: Int = 7) async throws -> [String] {
        var arns: [String] = []
        var next: String?
        repeat {
            var request: JSONObject = ["statusFilter": .string(status), "maxResults": .integer(Int64(pageSize))]
            if let next { request["nextToken"] = .string(next) }
            let page = try JSON(
                parsing: try await command("ListExecutions", request: JSON.object(request).serialized))
            arns += (page["executions"]?.arrayValue ?? []).compactMap { $0["executionArn"]?.stringValue }
            next = page["nextToken"]?.stringValue
        } while next != nil
        return arns
    }

    /// Whether the history holds exactly one TaskSucceeded and one ExecutionSucceeded.
    func succeededOnce(_ execution: String) async throws -> Bool {
        let types = try await historyTypes(execution)
        return types.filter { $0 == "TaskSucceeded" }.count == 1
            && types.filter { $0 == "ExecutionSucceeded" }.count == 1
    }
}

/// Orchestrator shards through the real processes and the real broker (docs/scaling-shards.md).
@Suite(.serialized) struct ShardTests {
    static let arnPrefix = "arn:aws:states:us-east-1:123456789012:execution"

    /// 45 executions answered by a worker-function process and 15 answered by the test through shard 0's HTTP API
    /// or the entry callback queue, all started through the entry command queue by a client that knows no shards:
    /// they spread over the three shards, each completes exactly once, and one instance lists and describes all.
    @Test func executionsSpreadOverThreeShardsCompleteOnceThroughOneEntryPoint() async throws {
        let shards = try await ShardedSystem(label: "shards")
        let system = shards.system
        do {
            try await system.withClient { client in
                let (workerQueue, inboxQueue) = ("\(system.names.prefix).work", "\(system.names.prefix).inbox")
                system.track(queue: workerQueue)
                try system.start("worker-function", environment: ["BATON_QUEUES": workerQueue])
                try await TaskInbox.with(inboxQueue, on: system) { inbox in
                    let byWorker = try await client.createStateMachine(
                        "w", definition: Definitions.waitForCallback(queue: workerQueue))
                    let byTest = try await client.createStateMachine(
                        "t", definition: Definitions.waitForCallback(queue: inboxQueue))
                    let names = (0..<45).map { "w\($0)" } + (0..<15).map { "t\($0)" }
                    #expect(Set(names.map(shards.map.shard(ofExecutionName:))) == [0, 1, 2])
                    var arns: [String] = []
                    for name in names {
                        arns.append(
                            try await client.startExecution(name.hasPrefix("w") ? byWorker : byTest, name: name))
                    }
                    try await waitUntil(deadline: .seconds(20), "15 task messages") { inbox.all.count >= 15 }
                    let tokens = inbox.all.compactMap(\.token)
                    #expect(Set(tokens.compactMap(ShardMap.shard(ofTaskToken:))) == [0, 1, 2])
                    for (index, token) in tokens.enumerated() {
                        if index.isMultiple(of: 2) {
                            let (status, body) = try await shards.http(
                                "SendTaskSuccess", ["taskToken": .string(token), "output": #"{"via": "http"}"#])
                            #expect(status == 200, "\(body)")
                        } else {
                            let callback = Callback(taskToken: token, outcome: .success(output: #"{"via": "entry"}"#))
                            try await system.bus.publish(
                                BusMessage(body: callback.encoded()), toQueue: system.names.callbackQueue)
                        }
                    }
                    // A token answered twice through the entry door is refused by its owner.
                    let (again, refusal) = try await shards.http(
                        "SendTaskSuccess", ["taskToken": .string(tokens[0]), "output": "{}"])
                    #expect(again == 400 && refusal["__type"]?.stringValue == "TaskTimedOut")
                    try await waitUntil(deadline: .seconds(40), interval: .milliseconds(300), "60 executions to end") {
                        try await client.executionArns(status: "SUCCEEDED").count == names.count
                    }
                    #expect(Set(try await client.executionArns(status: "SUCCEEDED")) == Set(arns))
                    #expect(try await client.executionArns(status: "RUNNING").isEmpty)
                    for arn in arns {
                        let (status, description) = try await shards.http(
                            "DescribeExecution", ["executionArn": .string(arn)])
                        #expect(status == 200 && description["status"]?.stringValue == "SUCCEEDED", "\(arn)")
                        #expect(try await client.succeededOnce(arn), "\(arn)")
                    }
                }
            }
        } catch {
            await system.shutdown(keepFiles: true)
            throw error
        }
        await system.shutdown()
    }

    /// Nested executions across shards: a parent starts children whose names belong to each of the three shards
    /// (their StartExecution commands reach the owner through the entry queue), each child answers its parent's
    /// token with `aws-sdk:sfn:sendTaskSuccess` (the callback and its answer cross shards too), and a `.sync:2`
    /// child on another shard reports its end to the parent's shard.
    @Test func nestedExecutionsCrossShards() async throws {
        let shards = try await ShardedSystem(label: "shard-nested")
        let system = shards.system
        do {
            try await system.withClient { client in
                let prefix = system.names.prefix
                // Per parent, one child name owned by each shard.
                func children(of parent: String) -> [String] {
                    var names: [String] = []
                    var index = 0
                    for shard in 0..<3 {
                        while shards.map.shard(ofExecutionName: "\(parent)-c\(index)") != shard { index += 1 }
                        names.append("\(parent)-c\(index)")
                        index += 1
                    }
                    return names
                }
                let approver = try await client.createStateMachine(
                    "approver",
                    definition: """
                        {"StartAt":"Answer","States":{"Answer":{"Type":"Task",
                          "Resource":"arn:aws:states:::aws-sdk:sfn:sendTaskSuccess",
                          "Parameters":{"TaskToken.$":"$.token","Output.$":"States.JsonToString($.decision)"},
                          "End":true}}}
                        """)
                let echo = try await client.createStateMachine(
                    "echo", definition: #"{"StartAt":"E","States":{"E":{"Type":"Pass","End":true}}}"#)
                let parent = try await client.createStateMachine(
                    "parent",
                    definition: """
                        {"StartAt":"Ask","States":{
                          "Ask":{"Type":"Map","ItemsPath":"$.children","ResultPath":"$.answers","Next":"Echo",
                            "ItemProcessor":{"StartAt":"Start","States":{"Start":{"Type":"Task",
                              "Resource":"arn:aws:states:::states:startExecution.waitForTaskToken",
                              "Parameters":{"StateMachineArn":"\(approver)","Name.$":"$",
                                "Input":{"token.$":"$$.Task.Token","decision":{"child.$":"$"}}},
                              "TimeoutSeconds":60,"End":true}}}},
                          "Echo":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2",
                            "Parameters":{"StateMachineArn":"\(echo)",
                              "Name.$":"States.Format('{}-echo', $$.Execution.Name)","Input":{"k":1}},
                            "ResultSelector":{"out.$":"$.Output","status.$":"$.Status"},"ResultPath":"$.echo",
                            "End":true}}}
                        """)
                var arns: [String] = []
                for name in ["\(prefix)-p0", "\(prefix)-p1", "\(prefix)-p2"] {
                    let input = JSON.object(["children": .array(children(of: name).map { .string($0) })])
                    arns.append(try await client.startExecution(parent, name: name, input: input.serialized))
                }
                for (arn, name) in zip(arns, ["\(prefix)-p0", "\(prefix)-p1", "\(prefix)-p2"]) {
                    let end = try JSON(parsing: try await client.waitForEnd(describing: arn, deadline: .seconds(40)))
                    #expect(end["status"] == "SUCCEEDED", "\(end)")
                    let output = try JSON(parsing: try #require(end["output"]?.stringValue))
                    #expect(output["answers"] == .array(children(of: name).map { ["child": .string($0)] }))
                    #expect(output["echo"] == ["out": ["k": 1], "status": "SUCCEEDED"])
                    // Each of the four tasks succeeded once (three children, the echo), and the execution once.
                    let types = try await client.historyTypes(arn)
                    #expect(types.filter { $0 == "TaskSucceeded" }.count == 4, "\(types)")
                    #expect(types.filter { $0 == "ExecutionSucceeded" }.count == 1)
                }
            }
        } catch {
            await system.shutdown(keepFiles: true)
            throw error
        }
        await system.shutdown()
    }

    /// Activities across shards: the executions of every shard put their activity tasks on one shared queue, a
    /// poller asks shard 0's HTTP API only, and each task's ActivityStarted is recorded by the shard that owns its
    /// execution (shard 0 asks it over its command queue); every task is handed out once and completes.
    @Test func activityTasksOfEveryShardAreHandedOutThroughOneShard() async throws {
        let shards = try await ShardedSystem(label: "shard-activity")
        let system = shards.system
        do {
            try await system.withClient { client in
                let prefix = system.names.prefix
                let (created, activity) = try await shards.http("CreateActivity", ["name": .string("\(prefix)-pack")])
                #expect(created == 200, "\(activity)")
                let arn = try #require(activity["activityArn"]?.stringValue)
                system.track(queue: system.names.activityQueue("\(prefix)-pack"))
                let machine = try await client.createStateMachine(
                    "act", definition: ActivityFlowTests.activityMachine(arn))
                var names: [String] = []
                var index = 0
                for shard in [0, 1, 2, 0, 1, 2] {
                    while shards.map.shard(ofExecutionName: "act\(index)") != shard { index += 1 }
                    names.append("act\(index)")
                    index += 1
                }
                var executions: [String] = []
                for name in names {
                    executions.append(try await client.startExecution(machine, name: name, input: #"{"n":1}"#))
                }
                for execution in executions {
                    try await waitUntil(deadline: .seconds(20), "ActivityScheduled") {
                        try await client.historyTypes(execution).contains("ActivityScheduled")
                    }
                }
                for _ in executions {
                    let (polled, task) = try await shards.http(
                        "GetActivityTask", ["activityArn": .string(arn), "workerName": "shard-0-poller"])
                    #expect(polled == 200, "\(task)")
                    let token = try #require(task["taskToken"]?.stringValue)
                    let (answered, body) = try await shards.http(
                        "SendTaskSuccess", ["taskToken": .string(token), "output": #"{"done":true}"#])
                    #expect(answered == 200, "\(body)")
                }
                for execution in executions {
                    let end = try JSON(parsing: try await client.waitForEnd(describing: execution))
                    #expect(end["status"] == "SUCCEEDED", "\(end)")
                    let types = try await client.historyTypes(execution)
                    #expect(types.filter { $0 == "ActivityStarted" }.count == 1, "\(types)")
                }
            }
        } catch {
            await system.shutdown(keepFiles: true)
            throw error
        }
        await system.shutdown()
    }

    /// kill -9 of shard 1 while 45 executions wait for callbacks: the callbacks of all of them are published as
    /// workers publish them; shards 0 and 2 complete theirs (and start and complete new ones) while shard 1 is
    /// down; a start for shard 1 waits in its queue. After the restart shard 1 completes its executions and the
    /// waiting start: 0 lost, 0 applied twice.
    @Test func killNineOfOneShardPausesOnlyItsExecutions() async throws {
        let shards = try await ShardedSystem(label: "shard-crash")
        let system = shards.system
        do {
            try await shards.withShardAwareClient { client in
                let queue = "\(system.names.prefix).tasks"
                try await TaskInbox.with(queue, on: system) { inbox in
                    let machine = try await client.createStateMachine(
                        "m", definition: Definitions.waitForCallback(queue: queue))
                    let names = (0..<45).map { "e\($0)" }
                    let owner = { (name: String) in shards.map.shard(ofExecutionName: name) }
                    for name in names { _ = try await client.startExecution(machine, name: name) }
                    try await waitUntil(deadline: .seconds(20), "45 task messages") { inbox.all.count >= 45 }
                    try await shards.crash(1)
                    for task in inbox.all {
                        let token = try #require(task.token)
                        let callback = Callback(taskToken: token, outcome: .success(output: "{}"))
                        try await system.bus.publishCallback(
                            BusMessage(body: callback.encoded()), taskToken: token, names: system.names)
                    }
                    // While shard 1 is down: a start for it waits in its queue; new ones on shards 0 and 2 run.
                    let parked = (0...).lazy.map { "parked\($0)" }.first { owner($0) == 1 }!
                    let request: JSON = [
                        "action": "StartExecution",
                        "request": [
                            "stateMachineArn": .string(machine), "name": .string(parked), "input": #"{"parked": 1}"#,
                        ],
                    ]
                    try await system.bus.publish(
                        BusMessage(body: Array(request.serialized.utf8)), toQueue: system.names.commandQueue)
                    let late = (0..<200).map { "late\($0)" }.filter { owner($0) != 1 }.prefix(10)
                    for name in late { _ = try await client.startExecution(machine, name: name) }
                    try await waitUntil(deadline: .seconds(20), "the late tasks") { inbox.all.count >= 55 }
                    for task in inbox.all.dropFirst(45) {
                        #expect(try await client.succeed(try #require(task.token)) == nil)
                    }
                    let live = names.filter { owner($0) != 1 } + late
                    try await waitUntil(deadline: .seconds(30), interval: .milliseconds(200), "shards 0 and 2") {
                        for name in live where try await client.status("\(Self.arnPrefix):m:\(name)") != "SUCCEEDED" {
                            return false
                        }
                        return true
                    }
                    try await shards.restart(1)
                    // (shard 1 may also republish task messages whose confirm its crash cut off: same tokens)
                    try await waitUntil(deadline: .seconds(20), "the parked start's task") {
                        inbox.all.contains { $0.body.contains(#""parked":1"#) }
                    }
                    let parkedTask = try #require(inbox.all.first { $0.body.contains(#""parked":1"#) })
                    #expect(try await client.succeed(try #require(parkedTask.token)) == nil)
                    let all = names + late + [parked]
                    try await waitUntil(deadline: .seconds(30), interval: .milliseconds(300), "every execution") {
                        try await client.executionArns(status: "SUCCEEDED", pageSize: 100).count == all.count
                    }
                    #expect(names.contains { owner($0) == 1 })
                    for name in all {
                        #expect(try await client.succeededOnce("\(Self.arnPrefix):m:\(name)"), "\(name)")
                    }
                    #expect(try await client.executionArns(status: "RUNNING").isEmpty)
                }
            }
        } catch {
            await system.shutdown(keepFiles: true)
            throw error
        }
        await system.shutdown()
    }
}
