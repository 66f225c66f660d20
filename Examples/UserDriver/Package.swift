// swift-tools-version:6.0
// A driver engineer's own package: their filter model, their ndis-sim executable, their tests.
import PackageDescription

let package = Package(
    name: "my-filter",
    dependencies: [
        // In your package: .package(url: "https://.../ndis-sim", from: "...") or a local path.
        .package(name: "ndis-sim", path: "../.."),
    ],
    targets: [
        // The driver model, written against the public API only.
        .target(name: "MyFilter", dependencies: [.product(name: "NDISSim", package: "ndis-sim")]),
        // `swift run my-ndis-sim run --driver counting-filter ...`: every ndis-sim command, over your drivers.
        .executableTarget(name: "my-ndis-sim", dependencies: ["MyFilter", .product(name: "NDISSimCLI", package: "ndis-sim")]),
        .testTarget(name: "MyFilterTests", dependencies: ["MyFilter", .product(name: "NDISSim", package: "ndis-sim")]),
    ]
)
