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

/// The orchestrator's Step Functions HTTP API and its broker commands are two doors into one engine: an
/// execution started over HTTP is called back over the broker, and a late callback answers TaskTimedOut through
/// either door.
@Suite(.serialized) struct HTTPAPITests {
    /// One AWS JSON 1.0 request to the API; returns the HTTP status and the parsed body.
    func call(_ system: SystemFixture, _ action: String, _ body: JSON) async throws -> (Int, JSON) {
        var request = URLRequest(url: try #require(system.apiURL))
        request.httpMethod = "POST"
        request.setValue("application/x-amz-json-1.0", forHTTPHeaderField: "Content-Type")
        request.setValue("AWSStepFunctions.\(action)", forHTTPHeaderField: "X-Amz-Target")
        request.httpBody = Data(body.serialized.utf8)
        request.timeoutInterval = 10
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, try JSON(parsing: Array(data)))
    }

    @Test func executionStartedOverHTTPIsCalledBackOverTheBrokerAndLateCallbacksAnswerAlike() async throws {
        let system = try await SystemFixture(label: "http-api")
        do {
            try await system.withClient { client in
                let queue = "\(system.names.prefix).seed1"
                try await TaskInbox.with(queue, on: system) { inbox in
                    let (created, machine) = try await call(
                        system, "CreateStateMachine",
                        [
                            "name": "seed1", "definition": .string(Definitions.waitForCallback(queue: queue)),
                            "roleArn": "arn:aws:iam::123456789012:role/test",
                        ])
                    #expect(created == 200)
                    let arn = try #require(machine["stateMachineArn"]?.stringValue)
                    let (status, started) = try await call(system, "StartExecution", ["stateMachineArn": .string(arn)])
                    #expect(status == 200)
                    let execution = try #require(started["executionArn"]?.stringValue)
                    let token = try #require(try await inbox.next().token)
                    #expect(try await client.succeed(token) == nil)
                    #expect(try await client.waitForEnd(execution)["status"] == "SUCCEEDED")
                    let (lateStatus, late) = try await call(
                        system, "SendTaskSuccess", ["taskToken": .string(token), "output": "{}"])
                    #expect(lateStatus == 400)
                    #expect(late["__type"] == "TaskTimedOut")
                    #expect(try await client.succeed(token) == "TaskTimedOut")
                    let (_, described) = try await call(
                        system, "DescribeExecution", ["executionArn": .string(execution)])
                    #expect(described["status"] == "SUCCEEDED")
                    let (unknownStatus, unknown) = try await call(system, "DescribeMapRun", ["mapRunArn": "a"])
                    #expect(unknownStatus == 400 && unknown["__type"] == "UnknownOperationException")
                }
            }
        } catch {
            await system.shutdown(keepFiles: true)
            throw error
        }
        await system.shutdown()
    }
}
