import BatonJSON
import JSONata
import Testing

/// Runaway expressions fail with an error, quickly and without exhausting the stack or memory.
@Suite struct LimitTests {
    func error(_ text: String, limits: JSONataLimits = JSONataLimits()) -> JSONataError? {
        do {
            _ = try JSONataExpression(text).evaluate(nil, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    @Test func nonTailRecursionFailsWithU1001() {
        let recursion = "($f := function($n){$n = 0 ? 0 : 1 + $f($n - 1)}; $f(100000))"
        #expect(error(recursion)?.code == "U1001")
    }

    @Test func tailRecursionRunsInConstantStack() throws {
        let loop = "($f := function($n, $acc){$n = 0 ? $acc : $f($n - 1, $acc + 1)}; $f(20000, 0))"
        #expect(try JSONataExpression(loop).evaluate(nil) == .integer(20000))
    }

    @Test func infiniteTailLoopStopsAtTheTimeLimit() {
        let loop = "($f := function(){$f()}; $f())"
        #expect(error(loop, limits: JSONataLimits(timeLimit: .milliseconds(200)))?.code == "U1001")
    }

    @Test func rangesOverTenMillionFailWithD2014() {
        #expect(error("[1..10000001]")?.code == "D2014")
        #expect(error("$count([1..100000])") == nil)
    }

    @Test func deeplyNestedExpressionsFailToParse() {
        let nested = String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000)
        #expect(throws: JSONataError.self) { try JSONataExpression(nested) }
        let array = String(repeating: "[", count: 5000)
        #expect(throws: JSONataError.self) { try JSONataExpression(array) }
    }

    @Test func errorsCarryCodePositionAndToken() {
        let failure = error("1 + 'a'")
        #expect(failure?.code == "T2002")
        #expect(failure?.position == 3)
        #expect(failure?.token == "+")
        let syntax = error("Account.(")
        #expect(syntax?.code == "S0203")
        #expect(error("$unknown()")?.code == "T1006")
        #expect(error("$number('x')")?.code == "D3030")
        #expect(error("1 +")?.code == "S0207")
    }
}

/// Deep data built by an expression is refused with an error rather than overflowing the stack when it is
/// compared, printed, copied or returned.
@Suite struct DeepDataTests {
    @Test func deeplyNestedResultsFailWithAnError() {
        let deep = "$reduce([1..20000], function($a, $b){{\"x\": $a}}, 0)"
        for suffix in [
            "", " ~> $string()", " = $reduce([1..20000], function($a, $b){{\"x\": $a}}, 0)", ".**", " ~> $clone()",
        ] {
            #expect(throws: JSONataError.self, "\(deep + suffix)") {
                _ = try JSONataExpression(deep + suffix).evaluate(nil)
            }
        }
    }

    @Test func recursionDeeperThanASecondaryThreadsStackStillWorks() throws {
        let sum = "($f := function($n){$n = 0 ? 0 : $n + $f($n - 1)}; $f(250))"
        #expect(try JSONataExpression(sum).evaluate(nil) == .integer(31375))
    }
}

/// The parser's own limits: nesting and long runs of comments.
@Suite struct ParserLimitTests {
    @Test func manyCommentsInARowParse() throws {
        let text = String(repeating: "/* c */", count: 50000) + "1"
        #expect(try JSONataExpression(text).evaluate(nil) == .integer(1))
    }

    @Test func nestingWithinTheLimitParses() throws {
        let nested = String(repeating: "[", count: 60) + "1" + String(repeating: "]", count: 60)
        #expect(try JSONataExpression(nested).evaluate(nil) != nil)
    }
}
