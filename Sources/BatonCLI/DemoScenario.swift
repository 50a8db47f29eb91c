/// One seed scenario of `baton demo` (and scripts/demo.sh): a state machine, an input, the status it must end in.
struct DemoScenario: Sendable {
    /// The execution name's stem and the table's first column.
    var label: String
    /// The state machine's name (registered from deploy/statemachines, or seed1-no-callback and its JSONata twin).
    var machine: String
    /// The terminal status the scenario must reach.
    var expected: String
    /// The execution input (JSON text).
    var input: String

    /// The seed scenarios, the failure paths too: seed 1 called back and left without a callback
    /// (TimeoutSeconds), seed 2's callback and `.sync` flows succeeding and failing, a manual approval approved
    /// (by `baton demo`), rejected by the approver's policy (`amount > 1000`) and expired (nobody answers), and
    /// seed 3's activity task taken by a polling worker.
    static let seeds: [DemoScenario] = [
        DemoScenario(
            label: "seed1-called-back", machine: "seed1-callback", expected: "SUCCEEDED", input: #"{"order": 1}"#),
        DemoScenario(
            label: "seed1-no-callback", machine: "seed1-no-callback", expected: "FAILED", input: #"{"order": 2}"#),
        DemoScenario(
            label: "seed2-cb-success", machine: "seed2-callback", expected: "SUCCEEDED",
            input: #"{"status": "success"}"#),
        DemoScenario(
            label: "seed2-cb-fail", machine: "seed2-callback", expected: "FAILED", input: #"{"status": "fail"}"#),
        DemoScenario(
            label: "seed2-sync-success", machine: "seed2-sync", expected: "SUCCEEDED", input: #"{"status": "success"}"#),
        DemoScenario(
            label: "seed2-sync-fail", machine: "seed2-sync", expected: "FAILED", input: #"{"status": "fail"}"#),
        DemoScenario(
            label: "approval-approved", machine: "manual-approval", expected: "SUCCEEDED",
            input: #"{"item": "laptop", "amount": 900}"#),
        DemoScenario(
            label: "approval-rejected", machine: "manual-approval", expected: "FAILED",
            input: #"{"item": "yacht", "amount": 5000}"#),
        DemoScenario(
            label: "approval-expired", machine: "manual-approval", expected: "FAILED",
            input: #"{"item": "desk", "amount": 300}"#),
        DemoScenario(
            label: "activity-packed", machine: "seed3-activity", expected: "SUCCEEDED", input: #"{"parcel": 7}"#),
    ]

    /// The activity seed 3's task waits in (created by `baton demo`; worker-function polls it).
    static let activity = "baton-packing"

    /// The suffix of a JSONata twin: `deploy/statemachines/<machine>-jsonata.asl.json` is `<machine>` written in
    /// JSONata (Arguments, Output, Assign) with the same outcome for the same input.
    static let jsonataSuffix = "-jsonata"

    /// The same scenario — same input, same expected status — on the machine's JSONata twin.
    var jsonataTwin: DemoScenario {
        DemoScenario(
            label: label + Self.jsonataSuffix, machine: machine + Self.jsonataSuffix, expected: expected, input: input)
    }

    /// Every scenario `baton demo` runs: the seeds on the JSONPath machines, then each on its JSONata twin.
    static let all: [DemoScenario] = seeds + seeds.map(\.jsonataTwin)
}
