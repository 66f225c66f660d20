// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "ndis-sim",
    products: [
        // The library a driver engineer's own test target depends on.
        .library(name: "NDISSim", targets: ["NDISSim"]),
        // The command line over a catalogue: a user's executable target calls its entry point.
        .library(name: "NDISSimCLI", targets: ["NDISSimCLI"]),
        .executable(name: "ndis-sim", targets: ["ndis-sim"]),
    ],
    targets: [
        // Stack switching for simulated threads; the only C in the package.
        .target(name: "CSimCoroutine"),
        .target(name: "Simulation", dependencies: ["CSimCoroutine"]),
        // The Windows kernel under NDIS (IRQL, DPCs, timers, work items, pool); knows no NDIS.
        .target(name: "Kernel", dependencies: ["Simulation"]),
        .target(name: "NDIS", dependencies: ["Simulation", "Kernel"]),
        .target(name: "Verifier", dependencies: ["NDIS", "Simulation"]),
        // The project's ndis.h for C drivers, the project's own C drivers, and the bridge
        // that runs C drivers as drivers under test (issue 12).
        .target(name: "CNdis"),
        .target(name: "CDriverSources", dependencies: ["CNdis"]),
        .target(name: "CDrivers", dependencies: ["Simulation", "NDIS", "CNdis", "CDriverSources"]),
        .target(name: "Drivers", dependencies: ["NDIS", "CDrivers", "CDriverSources"]),
        .target(name: "Harness", dependencies: ["Simulation", "NDIS", "Verifier", "Drivers", "CDrivers"]),
        // One import for users: re-exports the layers above.
        .target(name: "NDISSim", dependencies: ["Simulation", "Kernel", "NDIS", "Verifier", "Drivers", "Harness"]),
        // Argument parsing, output and exit codes; the library below returns values.
        .target(name: "NDISSimCLI", dependencies: ["Harness", "Drivers", "NDIS", "Simulation", "Verifier"]),
        .executableTarget(name: "ndis-sim", dependencies: ["NDISSimCLI"]),

        .testTarget(name: "SimulationTests", dependencies: ["Simulation"]),
        .testTarget(name: "KernelTests", dependencies: ["Kernel", "Simulation"]),
        .testTarget(name: "NDISTests", dependencies: ["NDISSim"]),
        .testTarget(name: "VerifierTests", dependencies: ["NDISSim"]),
        // Runs the built ndis-sim binary the way a user does, so it depends on it.
        .testTarget(name: "HarnessTests", dependencies: ["NDISSim", "NDISSimCLI", "ndis-sim"]),
        // Sees only the public product, exactly as a user's package would.
        .testTarget(name: "ExampleTests", dependencies: ["NDISSim"]),
    ]
)
