import BatonJSON
import Testing

@testable import StatesLanguage

@Suite struct JSONTests {
    @Test func parsesAndSerializesKeepingMemberOrder() throws {
        let text = #"{"b":1,"a":[true,false,null,1.5,-2,"x\n\u00e9\ud83d\ude00"],"c":{}}"#
        let value = try JSON(parsing: text)
        #expect(value.objectValue?.keys == ["b", "a", "c"])
        #expect(value.serialized == #"{"b":1,"a":[true,false,null,1.5,-2,"x\né😀"],"c":{}}"#)
    }

    @Test func integersStayExactAndEqualTheirDoubles() throws {
        #expect(try JSON(parsing: "9007199254740993") == .integer(9_007_199_254_740_993))
        #expect(JSON.integer(1) == JSON.number(1.0))
        #expect(try JSON(parsing: "1e2") == .number(100))
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\" 1}", "01", "1.", "\"\\x\"", "tru", "\"\u{01}\"", "[1] 2", "-",
        "\"\\ud800\"", "1e999",
    ])
    func rejectsMalformedText(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSON(parsing: text) }
    }

    @Test func rejectsNestingBeyondTheLimitWithoutRecursingForever() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSON(parsing: deep) }
    }
}
