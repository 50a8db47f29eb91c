// swift-tools-version: 6.1
import PackageDescription

/// One set of settings for every target (CONTRIBUTING.md: Swift 6 language mode, upcoming features on).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Baton",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "orchestrator", targets: ["orchestrator"]),
        .executable(name: "worker-function", targets: ["worker-function"]),
        .executable(name: "legacy-system", targets: ["legacy-system"]),
        .executable(name: "approver", targets: ["approver"]),
        .executable(name: "baton", targets: ["baton"]),
        .library(name: "AMQPClient", targets: ["AMQPClient"]),
        .library(name: "StatesLanguage", targets: ["StatesLanguage"]),
    ],
    // Exact versions: each is the one this project was built and tested with (README, "Tested versions"), so a
    // fresh clone resolves what was tested instead of the newest release in range. Package.resolved is not
    // committed (the build machines' package mirrors have their own commit ids), so these lines are the pin.
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "4.5.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-http-types", exact: "1.8.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", exact: "0.2.0"),
        .package(url: "https://github.com/apple/swift-metrics", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CRabbitMQ",
            pkgConfig: "librabbitmq",
            providers: [.apt(["librabbitmq-dev"])]
        ),
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .target(
            name: "AMQPClient",
            dependencies: [
                "CRabbitMQ",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "BatonJSON", swiftSettings: swiftSettings),
        .target(name: "JSONata", dependencies: ["BatonJSON"], swiftSettings: swiftSettings),
        .target(name: "StatesLanguage", dependencies: ["BatonJSON", "JSONata"], swiftSettings: swiftSettings),
        .target(name: "BatonProtocol", dependencies: ["BatonJSON"], swiftSettings: swiftSettings),
        .target(
            name: "ExecutionStore",
            dependencies: [
                "CLibPQ", "StatesLanguage",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BatonBroker",
            dependencies: ["AMQPClient", "BatonProtocol", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OrchestratorCore",
            dependencies: [
                "BatonJSON", "BatonProtocol", "StatesLanguage", "ExecutionStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "StepFunctionsAPI",
            dependencies: [
                "BatonJSON", "OrchestratorCore", "StatesLanguage",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BatonConsole",
            dependencies: [
                "BatonJSON", "ExecutionStore", "OrchestratorCore", "StatesLanguage", "StepFunctionsAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BatonCLI",
            dependencies: [
                "BatonBroker", "BatonJSON", "BatonProtocol", "BatonRuntime", "ChaosLab", "LoadTesting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The temporary store the store, engine and API test suites open.
        .target(name: "StoreTestSupport", dependencies: ["ExecutionStore"], swiftSettings: swiftSettings),
        // Launching local processes for tooling and tests: the one launcher (posix_spawn from one thread, a
        // parent-death signal), the node scripts, private RabbitMQ nodes. Foundation only; never in a shipped binary.
        .target(name: "LocalProcesses", swiftSettings: swiftSettings),
        // The failure lab (`baton chaos`): scenarios, the exactly-once ledger, private broker nodes, the reference
        // callback machine. Tooling: no shipped worker or orchestrator links it (scripts/target-graph.py checks).
        .target(
            name: "ChaosLab",
            dependencies: [
                "BatonBroker", "BatonJSON", "BatonProtocol", "BatonRuntime", "LocalProcesses",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The load tester (`baton loadtest`): starters, the ledger, workers it starts, reports. Tooling too.
        .target(
            name: "LoadTesting",
            dependencies: [
                "BatonBroker", "BatonJSON", "BatonProtocol", "BatonRuntime", "LocalProcesses",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BatonRuntime",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BatonTestSupport",
            dependencies: [
                "AMQPClient", "BatonBroker", "BatonProtocol", "BatonRuntime", "LocalProcesses",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "WorkerKit",
            dependencies: [
                "BatonBroker", "BatonJSON", "BatonProtocol", "BatonRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "orchestrator",
            dependencies: [
                "OrchestratorCore", "StepFunctionsAPI", "BatonConsole", "BatonBroker", "BatonProtocol", "BatonRuntime",
                "ExecutionStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "worker-function",
            dependencies: [
                "WorkerKit", "BatonJSON", "BatonRuntime", "BatonBroker", "BatonProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "legacy-system",
            dependencies: [
                "WorkerKit", "BatonRuntime", "BatonBroker", "BatonProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "approver",
            dependencies: [
                "WorkerKit", "BatonJSON", "BatonRuntime", "BatonBroker", "BatonProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "baton",
            dependencies: [
                "BatonCLI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StatesLanguageTests",
            dependencies: ["BatonJSON", "StatesLanguage"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "JSONataTests",
            dependencies: ["BatonJSON", "JSONata"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "BatonProtocolTests", dependencies: ["BatonJSON", "BatonProtocol"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ExecutionStoreTests",
            dependencies: [
                "ExecutionStore", "LocalProcesses", "StatesLanguage", "StoreTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OrchestratorCoreTests",
            dependencies: [
                "BatonJSON", "OrchestratorCore", "ExecutionStore", "StatesLanguage", "BatonProtocol", "StoreTestSupport",
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StepFunctionsAPITests",
            dependencies: [
                "BatonJSON", "StepFunctionsAPI", "OrchestratorCore", "ExecutionStore", "StatesLanguage", "BatonProtocol",
                "StoreTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BatonConsoleTests",
            dependencies: ["BatonConsole", "BatonJSON", "StatesLanguage"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BatonRuntimeTests",
            dependencies: [
                "BatonRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BatonBrokerTests",
            dependencies: [
                "AMQPClient", "BatonBroker", "BatonProtocol", "BatonTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WorkerTests",
            dependencies: [
                "WorkerKit", "BatonBroker", "BatonJSON", "BatonProtocol", "BatonTestSupport", "LocalProcesses",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "AMQPClient", "BatonJSON", "BatonTestSupport", "BatonBroker", "BatonProtocol", "ChaosLab", "LocalProcesses",
                "StatesLanguage",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AMQPClientTests",
            dependencies: ["AMQPClient", "BatonTestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
    ]
)
