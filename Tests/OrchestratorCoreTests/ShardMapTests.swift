import BatonProtocol
import OrchestratorCore
import Testing

/// Shard routing read from what senders hold: execution names and ARNs, and task tokens without the key.
@Suite struct ShardMapTests {
    @Test func theShardOfAnIssuedTokenIsReadableWithoutTheKey() {
        let signer = TaskTokenSigner(configuredKey: "shard-map-test")
        for shard in [0, 1, 2, 127, 128, 300, 70_000] {
            let token = signer.issue(TaskToken(shard: shard, executionID: 41, taskID: "7", attempt: 2))
            #expect(ShardMap.shard(ofTaskToken: token) == shard)
        }
        #expect(ShardMap.shard(ofTaskToken: "not a token") == nil)
        #expect(ShardMap.shard(ofTaskToken: "") == nil)
    }

    @Test func namesSpreadStablyAndArnsRouteByTheirName() {
        let map = ShardMap(count: 3)
        let shards = (0..<300).map { map.shard(ofExecutionName: "e\($0)") }
        for shard in 0..<3 { #expect(shards.filter { $0 == shard }.count > 60) }
        #expect(map.shard(ofExecutionName: "order-42") == map.shard(ofExecutionName: "order-42"))
        let arn = "arn:aws:states:us-east-1:123456789012:execution:machine:order-42"
        #expect(map.shard(ofExecutionArn: arn) == map.shard(ofExecutionName: "order-42"))
        #expect(map.shard(ofExecutionArn: "arn:aws:states:us-east-1:123456789012:stateMachine:machine") == nil)
        #expect(ShardMap().shard(ofExecutionName: "anything") == 0)
    }
}
