import BatonJSON
import BatonProtocol
import Crypto
import Foundation

/// A `.waitForTaskToken` call of an AWS service other than SQS and Lambda, as a definition copied from AWS has
/// it: `arn:<partition>:states:::<service>:<api>.waitForTaskToken` (or `…:::aws-sdk:<service>:<api>…`). Baton
/// publishes the rendered Parameters to a queue named after the service's resource and waits for the callback,
/// so whatever plays the service (a worker on that queue) answers with the token the Parameters carry.
///
/// Queues (docs/integrations.md):
/// - `sns:publish` → the topic's name (the last part of `TopicArn` or `TargetArn`), as SQS uses the queue's name;
/// - `events:putEvents` → the event bus's name (`Entries[0].EventBusName`, an ARN's last part; `default`);
/// - any other → `<prefix>.<service>.<resource>`, the resource being the service's main parameter
///   (`ecs` TaskDefinition, `glue` JobName, `batch` JobQueue, `apigateway` ApiEndpoint, `codebuild` ProjectName,
///   `eks` ClusterName, `states` … refused), else `<prefix>.<service>.<api>`.
struct ServiceCallback: Sendable, Hashable {
    var service: String
    var api: String

    /// The parameter naming each service's resource, for its queue name.
    static let resourceParameters: [String: String] = [
        "ecs": "TaskDefinition", "glue": "JobName", "batch": "JobQueue", "apigateway": "ApiEndpoint",
        "codebuild": "ProjectName", "eks": "ClusterName", "emr-containers": "VirtualClusterId",
        "databrew": "Name", "sagemaker": "TrainingJobName",
    ]

    /// Services with integrations of their own (SQS, Lambda, Step Functions itself: `NestedExecution`).
    static let excluded: Set<String> = ["sqs", "lambda", "states", "sfn"]

    /// The service call of a resource ARN, or `nil` when it is not a `.waitForTaskToken` service call Baton runs
    /// this way.
    init?(resource: String) {
        guard let (service, api) = Self.parse(resource), !Self.excluded.contains(service) else { return nil }
        self.service = service
        self.api = api
    }

    /// `(service, api)` of `arn:<partition>:states:::[aws-sdk:]<service>:<api>.waitForTaskToken`.
    static func parse(_ resource: String) -> (String, String)? {
        let suffix = ".waitForTaskToken"
        guard resource.hasPrefix("arn:"), resource.hasSuffix(suffix) else { return nil }
        let parts = resource.dropLast(suffix.count).split(separator: ":", omittingEmptySubsequences: false)
        // arn, partition, states, "", "", [aws-sdk,] service, api
        guard parts.count >= 7, parts[2] == "states", parts[3].isEmpty, parts[4].isEmpty else { return nil }
        var rest = Array(parts.dropFirst(5))
        if rest.first == "aws-sdk" { rest.removeFirst() }
        guard rest.count == 2 else { return nil }
        let service = String(rest[0])
        let api = String(rest[1])
        let serviceOK = !service.isEmpty && service.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" }
        let apiOK = !api.isEmpty && api.allSatisfy { $0.isLetter || $0.isNumber }
        guard serviceOK, apiOK else { return nil }
        return (service, api)
    }

    /// Why Baton refuses a `.waitForTaskToken` resource it recognizes but does not run, `nil` otherwise.
    static func refusal(_ resource: String) -> String? {
        guard let (service, _) = parse(resource), ["states", "sfn"].contains(service) else { return nil }
        return "'\(resource)' is not one of the Step Functions calls Baton runs: "
            + "states:startExecution[.sync|.sync:2|.waitForTaskToken] and aws-sdk:sfn:sendTaskSuccess|"
            + "sendTaskFailure|sendTaskHeartbeat (see docs/integrations.md)"
    }

    /// The queue the rendered Parameters are published to.
    func queue(for parameters: JSON, names: Names) -> String {
        switch (service, api) {
        case ("sns", "publish"):
            if let arn = (parameters["TopicArn"] ?? parameters["TargetArn"])?.stringValue,
                let name = arn.split(separator: ":").last, !name.isEmpty
            {
                return String(name)
            }
        case ("events", "putEvents"):
            let bus = parameters["Entries"]?.arrayValue?.first?["EventBusName"]?.stringValue ?? "default"
            return Self.lastPart(bus)
        default:
            if let key = Self.resourceParameters[service], let value = parameters[key]?.stringValue, !value.isEmpty {
                return "\(names.prefix).\(service).\(Self.lastPart(value))"
            }
        }
        return "\(names.prefix).\(service).\(api)"
    }

    /// The part of an ARN after its last `/` (or, without one, its last `:`); other text as it is.
    static func lastPart(_ text: String) -> String {
        guard text.hasPrefix("arn:") else { return text }
        if let slash = text.lastIndex(of: "/") { return String(text[text.index(after: slash)...]) }
        return text.split(separator: ":").last.map(String.init) ?? text
    }

    /// The service's answer to the call as AWS returns it, for `TaskSubmitted` (`SNS Publish`: MessageId;
    /// `EventBridge PutEvents`: Entries with an EventId and FailedEntryCount; others only the SDK metadata).
    func response(messageID: String) -> JSON {
        var output = Integration.sdkMetadata(messageID: messageID)
        switch (service, api) {
        case ("sns", "publish"):
            output["MessageId"] = .string(Integration.uuid(messageID))
        case ("events", "putEvents"):
            output["Entries"] = [["EventId": .string(Integration.uuid(messageID))]]
            output["FailedEntryCount"] = 0
        default:
            break
        }
        return .object(output)
    }
}

extension Integration {
    /// The integration's answer to the call that submitted the task, for `TaskSubmitted` (AWS records it for every
    /// callback and job task): SQS SendMessage's `MessageId` and `MD5OfMessageBody`, Lambda Invoke's `StatusCode`
    /// and `ExecutedVersion`, SNS Publish's `MessageId`,
    /// PutEvents' `Entries`, each with `SdkHttpMetadata` and `SdkResponseMetadata`; `nil` for tasks that do not
    /// wait (plain `sqs:sendMessage` and `lambda:invoke` complete with their answer instead).
    func submitted(_ dispatch: TaskDispatch, resource: String, messageID: String, at date: Date) -> JSON? {
        switch self {
        case .sqs, .lambda, .startExecution, .sfnSendTask, .activity:
            return nil
        case .startExecutionSync, .startExecutionSync2, .startExecutionWaitForTaskToken:
            return dispatch.child.map { NestedExecution.submitted($0, at: date, messageID: messageID) }
        case .sqsWaitForTaskToken:
            var output = Self.sdkMetadata(messageID: messageID)
            output["MD5OfMessageBody"] = .string(Insecure.MD5.hash(data: dispatch.body).hexString)
            output["MessageId"] = .string(Self.uuid(messageID))
            return .object(output)
        case .lambdaWaitForTaskToken:
            // Lambda's Invoke answer: the status and version (its Payload, the function's own answer, comes later
            // as the callback here, since the function runs after the message is submitted).
            var output = Self.sdkMetadata(messageID: messageID)
            output["ExecutedVersion"] = "$LATEST"
            output["StatusCode"] = 200
            return .object(output)
        case .jobSync:
            return .object(Self.sdkMetadata(messageID: messageID))
        case .serviceWaitForTaskToken:
            return ServiceCallback(resource: resource)?.response(messageID: messageID)
        }
    }

    /// `SdkHttpMetadata` and `SdkResponseMetadata` of an AWS SDK answer: the status code and the request id (AWS
    /// adds the HTTP headers of a response Baton never had; leaving them out keeps the event small).
    static func sdkMetadata(messageID: String) -> JSONObject {
        [
            "SdkHttpMetadata": ["HttpStatusCode": 200],
            "SdkResponseMetadata": ["RequestId": .string(uuid("request " + messageID))],
        ]
    }

    /// A UUID-shaped id derived from the outbox message id (stable across replays of the same transition).
    static func uuid(_ seed: String) -> String {
        let hex = Insecure.MD5.hash(data: Array(seed.utf8)).hexString
        let parts = [
            hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4),
            hex.dropFirst(20),
        ]
        return parts.joined(separator: "-")
    }
}

extension Sequence where Element == UInt8 {
    /// Lower-case hexadecimal.
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        for byte in self {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
