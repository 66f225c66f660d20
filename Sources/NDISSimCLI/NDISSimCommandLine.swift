import Drivers
import Foundation
import Harness

/// The entry point of an `ndis-sim` executable. A user's package calls it from a
/// three-line `main.swift` with its own drivers and scenarios, and gets every command
/// (`list`, `run`, `replay`, `shrink`, `coverage`, `bench`) over them and the stock ones:
///
///     import MyFilter
///     import NDISSimCLI
///     NDISSimCommandLine.main(drivers: MyFilter.drivers)
public enum NDISSimCommandLine {
    /// Runs the command in `CommandLine.arguments` and exits with its code (0 clean, 1 a
    /// violation, 2 bad usage or input, 3 a replay that left its recording, 130 interrupted).
    public static func main(drivers: [DriverEntry] = [], scenarios: [Scenario] = []) -> Never {
        Signals.install()
        let err: (String) -> Void = { _ = FileDescriptorOutput.write($0, to: 2) }
        let catalog: Catalog
        do {
            catalog = try Catalog.standard.adding(drivers: drivers, scenarios: scenarios)
        } catch {
            err("ndis-sim: \(error)\n")
            exit(2)
        }
        // A full disk or a closed pipe on stdout: one line and exit 2, never a backtrace.
        let out: (String) -> Void = { text in
            if let code = FileDescriptorOutput.write(text, to: 1) {
                err(FileDescriptorOutput.failureLine(code))
                exit(2)
            }
        }
        var tool = CommandLineTool(catalog: catalog, out: out, err: err)
        tool.isInterrupted = { interruptRequested != 0 }
        tool.stderrIsTerminal = isatty(2) != 0
        tool.executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments.first
        let name = CommandLine.arguments.first.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "ndis-sim"
        tool.commandName = name.isEmpty ? "ndis-sim" : name
        exit(tool.main(Array(CommandLine.arguments.dropFirst())))
    }
}
