import Foundation

/// Everything one `baton loadtest` run was asked to do; written verbatim into the JSON report.
struct LoadtestConfiguration: Sendable, Codable {
    /// Open model: a fixed arrival rate; closed model: a fixed number of executions in flight.
    enum Model: String, Sendable, Codable {
        case open, closed
    }

    var amqpURL: String
    var queuePrefix: String
    /// `classic` or `quorum`: the type of the queues the run declares (the system under test must use the same).
    var queueType: String
    var model: Model
    /// Arrivals per second (open model, and the first step of a sweep).
    var rate: Double
    /// Executions in flight (closed model).
    var concurrency: Int
    /// Seconds of measured load after the warm-up (nil: until `executions` have started).
    var duration: Double?
    /// Seconds of load before measuring; executions started then are not in the histograms.
    var warmup: Double
    /// Stop after this many starts (nil: until `duration` ends).
    var executions: Int?
    var stateMachineFile: String?
    /// The queue the default state machine sends its task to, served by the workers' callback function.
    var taskQueue: String
    /// The default state machine's query language (`--query-language`).
    var queryLanguage: DefaultLoadMachine.QueryLanguage = .jsonpath
    /// Approximate bytes of each execution's input (padded with a `pad` string).
    var messageSize: Int
    var workerLatency: String?
    var workers: Int
    var workerPrefetch: Int
    /// `all` or `errors`: the `--callback-replies` of the workers `--workers` starts.
    var workerCallbackReplies: String
    /// `broker` (StartExecution on the command queue) or `http` (the AWS JSON API at `apiURL`).
    var startPath: String
    /// `all` (each broker start waits for its answer) or `errors` (only refusals are answered; no start-reply
    /// phase is measured).
    var startReplies: String = "all"
    var apiURL: String
    /// How long to wait for the terminal events of executions still running when starting stops.
    var drainTimeout: Double
    /// Open model: starts beyond this many in flight are dropped (and counted), not queued.
    var maxInFlight: Int
    /// A start sent later than this after its intended time counts as late (open model), in milliseconds.
    var lateThresholdMilliseconds: Double
    var sweep: SweepSettings?

    /// How `--sweep` raises the rate and when it stops.
    struct SweepSettings: Sendable, Codable {
        /// Each step multiplies the rate by this factor.
        var factor: Double
        var maxSteps: Int
        /// A step breaks when its end-to-end p99 exceeds this many milliseconds…
        var p99LimitMilliseconds: Double
        /// …or more than this fraction of its executions erred…
        var errorLimit: Double
        /// …or it completed less than this fraction of the offered rate.
        var minimumCompletedFraction: Double
    }

    /// The broker URL (each of a cluster's URL list) with its password replaced, as reports show it.
    var redactedAMQPURL: String {
        amqpURL.split(separator: ",").map { part in
            let url = part.trimmingCharacters(in: .whitespaces)
            guard var components = URLComponents(string: url), components.password != nil else { return url }
            components.password = "***"
            return components.string ?? url
        }.joined(separator: ",")
    }
}

/// Parses `2000/s`, `2000`, `120/m` into arrivals per second.
enum RateText {
    static func parse(_ text: String) -> Double? {
        let parts = text.split(separator: "/", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let value = Double(parts[0].replacingOccurrences(of: "_", with: "")), value > 0 else { return nil }
        guard parts.count == 2 else { return value }
        switch parts[1] {
        case "s", "sec": return value
        case "m", "min": return value / 60
        default: return nil
        }
    }
}

/// Parses `30s`, `250ms`, `2m`, `1.5` (seconds) into seconds.
enum SecondsText {
    static func parse(_ text: String) -> Double? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (unit, scale) in units where text.hasSuffix(unit) {
            guard let value = Double(text.dropLast(unit.count)), value >= 0 else { return nil }
            return value * scale
        }
        guard let value = Double(text), value >= 0 else { return nil }
        return value
    }
}

/// The default machine: one `sqs:sendMessage.waitForTaskToken` task whose worker calls back at once.
enum DefaultLoadMachine {
    /// The language the machine is written in; both send the same message and end with the same output.
    enum QueryLanguage: String, Sendable, Codable {
        case jsonpath, jsonata
    }

    static func definition(queue: String, language: QueryLanguage = .jsonpath) -> String {
        switch language {
        case .jsonpath: jsonPathDefinition(queue: queue)
        case .jsonata: jsonataDefinition(queue: queue)
        }
    }

    static func jsonPathDefinition(queue: String) -> String {
        """
        {"Comment": "baton loadtest: one callback task",
         "StartAt": "Callback",
         "States": {
           "Callback": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
             "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/\(queue)",
                            "MessageBody": {"TaskToken.$": "$$.Task.Token", "input.$": "$"}},
             "TimeoutSeconds": 300,
             "End": true}
         }}
        """
    }

    /// The JSONata twin: `$states.context.Task.Token` and `$states.input` in `Arguments`, the result as output.
    static func jsonataDefinition(queue: String) -> String {
        """
        {"Comment": "baton loadtest: one callback task, in JSONata",
         "QueryLanguage": "JSONata",
         "StartAt": "Callback",
         "States": {
           "Callback": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
             "Arguments": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/\(queue)",
                           "MessageBody": {"TaskToken": "{% $states.context.Task.Token %}",
                                           "input": "{% $states.input %}"}},
             "TimeoutSeconds": 300,
             "End": true}
         }}
        """
    }
}
