import Foundation

/// Runs the built `ndis-sim` binary as a separate process, as a user would.
struct CLI {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static let binary: URL = {
        // The test bundle and the executable live in the same build products folder.
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL,
            Bundle.main.bundleURL.deletingLastPathComponent(),
        ]
        for dir in candidates {
            let url = dir.appendingPathComponent("ndis-sim")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        fatalError("ndis-sim binary not found next to the tests (looked in \(candidates.map(\.path)))")
    }()

    static func run(_ args: [String]) throws -> Result {
        try run(binary, args)
    }

    /// Runs any executable (a user's own ndis-sim, `swift`), optionally in `directory`.
    static func run(_ executable: URL, _ args: [String], in directory: URL? = nil, environment: [String: String] = [:]) throws -> Result {
        let p = Process()
        p.executableURL = executable
        p.arguments = args
        if let directory { p.currentDirectoryURL = directory }
        if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    static func temporaryDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ndis-sim-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// The JSON object a command printed, without its timing field.
func jsonWithoutTiming(_ text: String) throws -> [String: Any] {
    var obj = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
    obj.removeValue(forKey: "elapsed_seconds")
    return obj
}
