// swift-tools-version:6.2
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "model-ledger",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ledger", targets: ["ledger"]),
        .executable(name: "epa-simulator", targets: ["epa-simulator"]),
        .library(name: "LedgerCore", targets: ["LedgerCore"]),
        .library(name: "EPAClient", targets: ["EPAClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        // Used directly by the client and the simulator (already in the graph through the two above).
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // TLS for the client's extra CA file and the simulator's optional TLS listener.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        // The approval policy file (TOML), read by LedgerWorkflows only; LedgerCore stays free of it.
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        // The ledger service's /metrics (Prometheus text format).
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // OpenSSL libcrypto: HMAC-SHA256 (EVP_MAC), SHA-256, RAND_bytes. Raw handles stay in C.
        .target(
            name: "CLedgerCrypto",
            linkerSettings: [.linkedLibrary("crypto")]
        ),
        // The system SQLite (libsqlite3-dev).
        .systemLibrary(
            name: "CSQLite",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // The system libpq (libpq-dev to build, libpq5 to run): the PostgreSQL adapter of the storage
        // port. Synchronous, like the port; connection URLs exactly as libpq reads them. Loaded with
        // dlopen on first use (`mlpq_*` wrappers), not linked: a SQLite ledger never maps it.
        .target(
            name: "CLibPQ",
            linkerSettings: [.linkedLibrary("dl")]
        ),
        // What the ledger and the vendor client both need, without SQLite: JSON values, the strict
        // parser and RFC 8785 encoding, hex, SHA-256 and random bytes.
        .target(
            name: "LedgerPrimitives",
            dependencies: ["CLedgerCrypto"],
            swiftSettings: strict
        ),
        // The ledger: format, signing, keys, store, migrations, verification (re-exports LedgerPrimitives).
        .target(
            name: "LedgerCore",
            dependencies: ["LedgerPrimitives", "CLedgerCrypto", "CSQLite", "CLibPQ"],
            swiftSettings: strict
        ),
        // Client of the Easy Predictive Analytics retrain API.
        .target(
            name: "EPAClient",
            dependencies: [
                "LedgerPrimitives",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),  // the client's own one-thread event loop
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),
        // Loopback simulator of the retrain API, for tests and the demo.
        .target(
            name: "EPASimulator",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The audited workflows (switch, upload, status, resolve, checkpoint, rotate) as library
        // services: every front end (the CLI today) calls these; none re-implements them.
        .target(
            name: "LedgerWorkflows",
            dependencies: ["LedgerCore", "EPAClient", .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "TOMLKit", package: "TOMLKit")],
            swiftSettings: strict
        ),
        // What a command's result looks like: its JSON document (the `--format json` output and the
        // service's response body), its exit code, and the report renderers. Shared by the CLI (local
        // and remote mode) and the service, so both say the same thing.
        .target(
            name: "LedgerPresentation",
            dependencies: ["LedgerCore", "EPAClient", "LedgerWorkflows"],
            swiftSettings: strict
        ),
        // `ledger serve`: the ledger service (Hummingbird 2). It alone holds the keys; callers
        // authenticate with bearer tokens; every route runs a LedgerWorkflows service.
        .target(
            name: "LedgerService",
            dependencies: [
                "LedgerCore",
                "EPAClient",
                "LedgerWorkflows",
                "LedgerPresentation",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        // The `ledger` subcommands: parse flags, call one workflow (or the service, in remote mode), print.
        .target(
            name: "LedgerCLI",
            dependencies: [
                "LedgerCore",
                "EPAClient",
                "LedgerWorkflows",
                "LedgerPresentation",
                "LedgerService",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),  // remote mode: the client's own one-thread event loop
                .product(name: "NIOSSL", package: "swift-nio-ssl"),  // remote mode: --ca-file
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "ledger",
            dependencies: ["LedgerCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "epa-simulator",
            dependencies: [
                "EPASimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // Finding the built executables and starting the built `epa-simulator` on a loopback port:
        // shared by the benchmark and the test support (Foundation only).
        .target(name: "BinaryRunner", swiftSettings: strict),
        // Benchmarks (release build): `make bench`.
        .executableTarget(
            name: "ledger-bench",
            dependencies: [
                "LedgerCore",
                "BinaryRunner",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // Shared by the test targets: temporary ledgers, keys, running the built binaries.
        .target(
            name: "LedgerTestSupport",
            dependencies: ["LedgerCore", "BinaryRunner"],
            path: "Tests/LedgerTestSupport",
            swiftSettings: strict
        ),
        .testTarget(
            name: "LedgerCoreTests",
            dependencies: ["LedgerCore", "LedgerTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EPASimulatorTests",
            dependencies: [
                "EPASimulator",
                "LedgerTestSupport",  // RequiredTool: in CI a missing epa-simulator binary fails the run
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EPAClientTests",
            dependencies: ["EPAClient", "EPASimulator", "LedgerTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LedgerServiceTests",
            dependencies: [
                "LedgerCore", "LedgerWorkflows", "LedgerPresentation", "LedgerService", "LedgerTestSupport", "ledger", "epa-simulator",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LedgerCLITests",
            dependencies: ["LedgerCore", "LedgerCLI", "LedgerWorkflows", "EPAClient", "LedgerTestSupport", "ledger", "epa-simulator"],
            swiftSettings: strict
        ),
    ]
)
