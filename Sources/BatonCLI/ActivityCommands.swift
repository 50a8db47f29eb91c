import ArgumentParser
import Foundation

/// `baton activities`: create, list, describe, delete activities and poll one for a task (AWS's CreateActivity,
/// ListActivities, DescribeActivity, DeleteActivity and GetActivityTask over the command queue).
struct ActivitiesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "activities", abstract: "Create, list, delete and poll activities.",
        subcommands: [Create.self, List.self, Describe.self, Delete.self, Poll.self], defaultSubcommand: List.self)

    /// An activity ARN, or a bare name in the default region and account.
    static func arn(_ value: String) -> String {
        value.hasPrefix("arn:") ? value : "arn:aws:states:us-east-1:123456789012:activity:\(value)"
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an activity (idempotent by name).")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The activity's name.") var name: String

        func run() async throws {
            let response = try await options.command("CreateActivity", ["name": name])
            if options.json { return try JSONText.print(response) }
            Human.fields([
                ("activityArn", response["activityArn"] as? String ?? "-"),
                ("creationDate", Human.date(response["creationDate"])),
            ])
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the activities.")
        @OptionGroup var options: ClientOptions
        @Option(help: "At most this many (1...1000).") var maxResults: Int = 1000

        func run() async throws {
            let response = try await options.command("ListActivities", ["maxResults": maxResults])
            if options.json { return try JSONText.print(response) }
            let activities = response["activities"] as? [[String: Any]] ?? []
            Human.table(
                ["NAME", "CREATED", "ACTIVITY ARN"],
                activities.map {
                    [$0["name"] as? String ?? "-", Human.date($0["creationDate"]), $0["activityArn"] as? String ?? "-"]
                })
        }
    }

    struct Describe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Describe an activity.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The activity's ARN or name.") var activity: String

        func run() async throws {
            let response = try await options.command(
                "DescribeActivity", ["activityArn": ActivitiesCommand.arn(activity)])
            if options.json { return try JSONText.print(response) }
            Human.fields([
                ("name", response["name"] as? String ?? "-"),
                ("activityArn", response["activityArn"] as? String ?? "-"),
                ("creationDate", Human.date(response["creationDate"])),
            ])
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an activity.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The activity's ARN or name.") var activity: String

        func run() async throws {
            _ = try await options.command("DeleteActivity", ["activityArn": ActivitiesCommand.arn(activity)])
        }
    }

    struct Poll: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take one task of an activity (GetActivityTask): prints its token and input, or nothing.",
            discussion: """
                Waits up to the orchestrator's poll time (60 s as on AWS; BATON_ACTIVITY_POLL_SECONDS). The task \
                is then yours: answer it with send-task-success / send-task-failure and the printed token. Exits \
                with status 3 when no task came.
                """)
        @OptionGroup var options: ClientOptions
        @Argument(help: "The activity's ARN or name.") var activity: String
        @Option(help: "The workerName recorded in ActivityStarted.") var workerName = "baton-cli"

        func run() async throws {
            var polling = options
            polling.timeout = max(options.timeout, 75)
            let response = try await polling.command(
                "GetActivityTask", ["activityArn": ActivitiesCommand.arn(activity), "workerName": workerName])
            guard let token = response["taskToken"] as? String, !token.isEmpty else {
                if options.json { try JSONText.print(response) }
                throw ExitCode(3)
            }
            if options.json { return try JSONText.print(response) }
            Human.fields([("taskToken", token), ("input", response["input"] as? String ?? "-")])
        }
    }
}
