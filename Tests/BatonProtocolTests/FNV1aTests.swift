import Testing

@testable import BatonProtocol

/// FNV-1a 64 against the reference vectors of the FNV authors' test suite, and the uses that depend on its values
/// staying put (shard routing must not move executions between releases).
@Suite struct FNV1aTests {
    @Test func matchesTheReferenceVectors() {
        #expect(FNV1a.hash("".utf8) == 0xcbf2_9ce4_8422_2325)
        #expect(FNV1a.hash("a".utf8) == 0xaf63_dc4c_8601_ec8c)
        #expect(FNV1a.hash("foobar".utf8) == 0x8594_4171_f739_67e8)
        #expect(FNV1a.hex("foobar") == "85944171f73967e8")
    }

    @Test func combiningInPartsEqualsHashingTheWhole() {
        var hash = FNV1a()
        hash.combine("foo".utf8)
        hash.combine(byte: UInt8(ascii: "b"))
        hash.combine("ar".utf8)
        #expect(hash.value == FNV1a.hash("foobar".utf8))
    }

    @Test func shardsAreTheHashModuloTheCount() {
        let map = ShardMap(count: 3)
        #expect(map.shard(ofExecutionName: "foobar") == Int(0x8594_4171_f739_67e8 % UInt64(3)))
    }
}
