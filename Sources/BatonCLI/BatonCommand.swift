import ArgumentParser
import ChaosLab
import LoadTesting

/// The `baton` command-line tool: the root command and its subcommands.
public struct BatonCommand: AsyncParsableCommand {
    /// The root command's name, summary and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "baton",
        abstract: "Start and inspect executions, send callbacks, load-test callback throughput, run failure scenarios.",
        subcommands: [
            StartExecutionCommand.self, DescribeExecutionCommand.self, GetExecutionHistoryCommand.self,
            ListExecutionsCommand.self, StopExecutionCommand.self, RedriveCommand.self, SendTaskSuccessCommand.self,
            SendTaskFailureCommand.self, SendTaskHeartbeatCommand.self, CreateStateMachineCommand.self,
            ListStateMachinesCommand.self, ActivitiesCommand.self, ValidateCommand.self, TestStateCommand.self,
            ApprovalsCommand.self,
            WatchCommand.self,
            BenchCommand.self,
            ChaosCommand.self, DemoCommand.self,
            LoadtestCommand.self,
        ]
    )

    /// Creates the command; ArgumentParser fills its options.
    public init() {}
}

/// `baton bench`: micro-benchmarks of Baton's building blocks.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks of Baton's building blocks.",
        subcommands: [AMQPBenchCommand.self]
    )
}
