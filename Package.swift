// swift-tools-version:6.1
import PackageDescription

/// Strict concurrency is the default of the Swift 6 language mode; warnings are kept at zero by review.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Nightshift",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "nightshift", targets: ["nightshift"]),
        .library(name: "NightshiftCore", targets: ["NightshiftCore"]),
        .library(name: "NightshiftStore", targets: ["NightshiftStore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        // System libraries: a module map and one shim header each, no code.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),

        .target(
            name: "NightshiftCore",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                // SHA-256 (BoringSSL's, with the CPU's SHA extensions): hashing was a tenth of an ingest's CPU.
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "NightshiftHTTP",
            dependencies: ["NightshiftCore", "CCurl"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "NightshiftStore",
            dependencies: [
                "NightshiftCore", "CLibPQ",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "NightshiftDocuments",
            dependencies: ["NightshiftCore", "NightshiftHTTP", "CLibXML2", "CArchive"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "NightshiftAI",
            dependencies: ["NightshiftCore", "NightshiftHTTP"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "NightshiftJobs",
            dependencies: [
                "NightshiftCore", "NightshiftStore", "NightshiftDocuments", "NightshiftAI",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "NightshiftServer",
            dependencies: [
                "NightshiftCore", "NightshiftStore", "NightshiftAI", "NightshiftJobs", "NightshiftHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "nightshift",
            dependencies: [
                "NightshiftCore", "NightshiftStore", "NightshiftJobs", "NightshiftAI", "NightshiftDocuments",
                "NightshiftServer", "NightshiftHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // Shared by the test targets: throwaway databases (PostgreSQL and SQLite), the repository root.
        .target(
            name: "NightshiftTestSupport",
            dependencies: ["NightshiftCore", "NightshiftStore", "NightshiftHTTP"],
            path: "Tests/Support/Swift",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NightshiftCoreTests",
            dependencies: ["NightshiftCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NightshiftHTTPTests",
            dependencies: ["NightshiftCore", "NightshiftHTTP", "NightshiftTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NightshiftDocumentsTests",
            dependencies: ["NightshiftCore", "NightshiftDocuments"],
            resources: [.copy("Resources")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NightshiftAITests",
            dependencies: ["NightshiftCore", "NightshiftAI", "NightshiftHTTP", "NightshiftTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NightshiftJobsTests",
            dependencies: [
                "NightshiftCore", "NightshiftStore", "NightshiftJobs", "NightshiftAI", "NightshiftTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NightshiftServerTests",
            dependencies: [
                "NightshiftCore", "NightshiftStore", "NightshiftAI", "NightshiftJobs", "NightshiftServer",
                "NightshiftTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NightshiftStoreTests",
            dependencies: ["NightshiftCore", "NightshiftStore", "NightshiftTestSupport"],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
