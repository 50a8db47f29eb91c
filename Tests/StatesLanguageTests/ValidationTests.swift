import BatonJSON
import Foundation
import Testing

@testable import StatesLanguage

@Suite struct ValidationTests {
    static func issues(_ text: String, resourceValidator: ((String) -> String?)? = nil) -> [String] {
        DefinitionFixtures.issues(of: text, resourceValidator: resourceValidator)
    }

    @Test func oversizedDefinitionIsRejectedBeforeParsing() {
        let text = #"{"Comment":""# + String(repeating: "x", count: maximumDefinitionBytes) + #"","StartAt":"A"}"#
        #expect(
            Self.issues(text) == [
                "/: definition is \(text.utf8.count) bytes; the limit is 1048576 bytes (1 MiB)"
            ])
    }

    @Test func malformedJSONReportsTheOffset() {
        let issues = Self.issues(#"{"StartAt": "A", "States": {"A": }}"#)
        #expect(issues.count == 1)
        #expect(issues.first?.hasPrefix("/: invalid JSON at byte 33") == true, "\(issues)")
    }

    @Test func resourceValidatorReportsUnknownResourcesAtTheirPointer() {
        let text = #"""
            {"StartAt":"A","States":{
              "A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Next":"P"},
              "P":{"Type":"Parallel","End":true,"Branches":[
                {"StartAt":"B","States":{"B":{"Type":"Task","Resource":"arn:unknown:thing","End":true}}}]}}}
            """#
        let validator: (String) -> String? = { $0.hasPrefix("arn:aws:states:::") ? nil : "unknown resource '\($0)'" }
        #expect(
            Self.issues(text, resourceValidator: validator) == [
                "/States/P/Branches/0/States/B/Resource: unknown resource 'arn:unknown:thing'"
            ])
        #expect(Self.issues(text) == [])
    }

    @Test func everyIssueIsCollectedNotJustTheFirst() {
        let text = #"""
            {"StartAt":"A","States":{
              "A":{"Type":"Task","Resource":"r","TimeoutSeconds":5,"HeartbeatSeconds":9,"Next":"Gone"},
              "B":{"Type":"Wait","End":true},
              "C":{"Type":"Pass","Next":"A","End":true}}}
            """#
        #expect(
            Self.issues(text) == [
                "/States/A/HeartbeatSeconds: must be smaller than TimeoutSeconds",
                "/States/B: must have exactly one of Seconds, SecondsPath, Timestamp, TimestampPath",
                "/States/C: must not have both Next and End",
                "/States/A/Next: state \"Gone\" does not exist",
            ])
    }

    @Test func pointersEscapeSlashAndTilde() {
        let text = #"{"StartAt":"a/b","States":{"a/b":{"Type":"Pass","Next":"x~y"}}}"#
        #expect(Self.issues(text) == [#"/States/a~1b/Next: state "x~y" does not exist"#])
    }

    @Test func stateNamesUpToEightyCharactersAreAccepted() throws {
        let name = String(repeating: "é", count: 80)
        let definition = try StateMachineDefinition.parse(
            #"{"StartAt":"\#(name)","States":{"\#(name)":{"Type":"Succeed"}}}"#)
        #expect(definition.startState?.name == name)
    }

    @Test func endFalseIsNotAnEnd() {
        #expect(
            Self.issues(#"{"StartAt":"A","States":{"A":{"Type":"Pass","End":false}}}"#) == [
                "/States/A: must have Next or End: true"
            ])
    }

    @Test func modelKeepsEveryField() throws {
        let definition = try StateMachineDefinition.parse(
            try DefinitionFixtures.text("valid-every-state-kind.asl.json"))
        #expect(
            definition.stateNames == [
                "Prepare", "Pause", "PauseUntil", "Fan", "EachItem", "Legacy", "Route", "Finish", "Broken",
            ])
        #expect(definition.states["Prepare"]?.kind == .pass(PassState(result: ["items": [1, 2, 3], "wait": 1])))
        #expect(definition.states["Prepare"]?.io.resultPath == .path("$.data"))
        #expect(definition.states["Pause"]?.kind == .wait(.secondsPath("$.data.wait")))
        #expect(definition.states["PauseUntil"]?.kind == .wait(.timestamp("2026-01-01T00:00:00.5+01:00")))
        #expect(definition.states["Finish"]?.io.outputPath == .null)
        #expect(definition.states["Finish"]?.transition == nil)
        #expect(
            definition.states["Broken"]?.kind
                == .fail(FailState(error: .literal("Broken"), cause: .path("States.Format('bad {}', $.a)"))))
        guard case .parallel(let fan)? = definition.states["Fan"]?.kind,
            case .map(let each)? = definition.states["EachItem"]?.kind,
            case .map(let legacy)? = definition.states["Legacy"]?.kind,
            case .choice(let route)? = definition.states["Route"]?.kind
        else {
            Issue.record("state kinds were not parsed")
            return
        }
        #expect(fan.branches.map(\.startAt) == ["A", "B"])
        #expect(fan.branches[1].comment == "second")
        #expect(fan.retry == [Retrier(errorEquals: ["States.BranchFailed"], maxAttempts: 0)])
        #expect(definition.states["Fan"]?.io.resultSelector == ["first.$": "$[0]"])
        #expect(each.itemsPath == .path("$.items"))
        #expect(each.maxConcurrency == .seconds(2))
        #expect(definition.states["EachItem"]?.io.resultPath == .null)
        guard case .task(let work)? = each.itemProcessor.states["Work"]?.kind else {
            Issue.record("Work is not a Task")
            return
        }
        #expect(work.timeout == .path("$.t"))
        #expect(work.heartbeat == .path("$.h"))
        #expect(legacy.itemSelector == ["v.$": "$$.Map.Item.Value"])
        #expect(definition.states["Legacy"]?.io.parameters == nil)
        #expect(legacy.maxConcurrency == .path("$.limit"))
        #expect(legacy.itemProcessor.startAt == "Echo")
        #expect(route.default == "Finish")
        #expect(route.choices.map(\.next) == ["Finish", "Broken"])
    }

    @Test func topLevelFieldsAreKept() throws {
        let definition = try StateMachineDefinition.parse(try DefinitionFixtures.text("valid-callback-choice.asl.json"))
        #expect(definition.version == "1.0")
        #expect(definition.timeoutSeconds == 3600)
        #expect(definition.startAt == "AskApprover")
    }

    @Test(arguments: [
        ("2016-03-14T01:59:00Z", true), ("2016-03-14T01:59:00.123456789Z", true), ("2016-03-14T01:59:00+05:30", true),
        ("2024-02-29T00:00:00Z", true), ("2023-02-29T00:00:00Z", false), ("2016-03-14t01:59:00Z", false),
        ("2016-03-14T01:59:00z", false), ("2016-03-14T01:59:00", false), ("2016-03-14T24:00:00Z", false),
        ("2016-03-14T01:59:00.Z", false), ("2016-3-14T01:59:00Z", false), ("", false),
    ])
    func timestampsFollowTheRFC3339Profile(_ text: String, _ valid: Bool) {
        #expect((RFC3339Timestamp(parsing: text) != nil) == valid)
    }

    @Test func timestampsOrderAsInstants() throws {
        let a = try #require(RFC3339Timestamp(parsing: "1969-12-31T23:59:59.5Z"))
        let b = try #require(RFC3339Timestamp(parsing: "1970-01-01T01:00:00+01:00"))
        #expect(a < b)
        #expect(b.secondsSinceEpoch == 0)
        #expect(a.date.timeIntervalSince1970 == -0.5)
    }
}
