import ArgumentParser
import BatonBroker
import BatonProtocol
import BatonRuntime
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import WorkerKit

/// The `approver` executable: keeps approval requests durably as pending and turns a person's (or the policy's)
/// decision into SendTaskSuccess / SendTaskFailure. See docs/workers.md.
@main
struct Approver: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approver",
        abstract: "Manual approval: pending requests on a web page and a JSON API; approve or reject calls back.",
        discussion: """
            Requests come from <prefix>.approvals, or from the queues named by --queue instead; they carry their \
            token in the body (taskToken/TaskToken). The prefetch defaults to 32. Policy rules: see docs/workers.md.
            """
    )

    @OptionGroup var common: CommonOptions
    @OptionGroup var metricsOptions: MetricsOptions

    @OptionGroup var workerOptions: WorkerOptions

    @Option(
        help:
            "Policy rules, e.g. 'auto-approve-after=2s;reject-if=amount>1000' [env: BATON_APPROVER_POLICY] (default: none)"
    )
    var policy: String?

    @Option(help: "HTTP address of the page and API [env: BATON_APPROVER_ADDRESS] (default: 127.0.0.1:8090)")
    var httpAddress: String?

    @Option(help: "Where pending requests are kept (<dir>/approvals) [env: BATON_DATA_DIR] (default: .data/approver)")
    var dataDir: String?

    @Option(
        help: ArgumentHelp(
            "How often pending requests without HeartbeatSeconds are checked with a heartbeat the orchestrator refuses "
                + "once their task is closed [env: BATON_APPROVER_PROBE_INTERVAL] (default: 30s)"))
    var probeInterval: String?

    func run() async throws {
        let logger = LogSetup.bootstrap(label: "approver", level: common.logLevel, format: common.logFormat)
        let metricsServer = try metricsOptions.server(logger: logger)
        let names = Names(prefix: common.queuePrefix)
        let named = workerOptions.namedQueues
        let requestQueues = named.isEmpty ? ["\(names.prefix).approvals"] : named
        let policy = try Setting.resolve(policy, "BATON_APPROVER_POLICY").map {
            do { return try ApprovalPolicy(parsing: $0) } catch { throw ValidationError("\(error)") }
        }
        let address = Setting.resolve(httpAddress, "BATON_APPROVER_ADDRESS") ?? "127.0.0.1:8090"
        guard let listen = ListenAddress(parsing: address) else {
            throw ValidationError("--http-address must be HOST:PORT, not '\(address)'")
        }
        let replyDeadline = try workerOptions.replyDeadline()
        let probeEvery = try DurationText.parse(
            Setting.resolve(probeInterval, "BATON_APPROVER_PROBE_INTERVAL") ?? "30s")
        guard probeEvery > .zero else { throw ValidationError("the probe interval must be positive") }
        let store = try ApprovalStore(
            dataDirectory: URL(fileURLWithPath: Setting.resolve(dataDir, "BATON_DATA_DIR") ?? ".data/approver"))

        let bus = try await common.connecting {
            try await WorkerBus.connect(
                url: common.amqpURL, prefix: common.queuePrefix, queueType: common.queueType, clientName: "approver",
                logger: logger)
        }
        let callbacks = try await CallbackClient.start(
            bus: bus, names: names, configuration: .init(replyDeadline: replyDeadline), logger: logger)
        let desk = ApprovalDesk(store: store, callbacks: callbacks, logger: logger)
        let watch = ApprovalWatch(desk: desk, bus: bus, names: names, probeInterval: probeEvery, logger: logger)
        try await watch.bind()
        let consumer = TaskConsumer(
            bus: bus, configuration: .init(queues: requestQueues, prefetch: try workerOptions.prefetch(default: 32)),
            logger: logger
        ) { try await desk.accept($0) }
        let http = Application(
            router: ApprovalPage.router(desk: desk),
            configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "approver"),
            logger: logger)
        var services: [any Service] = [callbacks, watch, consumer, http]
        if let policy { services.append(PolicyService(policy: policy, desk: desk, logger: logger)) }
        if let metricsServer { services.append(metricsServer) }
        logger.info(
            "approver started",
            metadata: [
                "http.address": "\(address)", "queues": "\(requestQueues.joined(separator: ","))",
                "policy": "\(Setting.resolve(self.policy, "BATON_APPROVER_POLICY") ?? "none")",
            ])
        do {
            try await ServiceRunner.run(services, logger: logger)
        } catch {
            await bus.close()
            throw error
        }
        await bus.close()
    }
}
