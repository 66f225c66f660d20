// The command line: arguments in, text out. All logic lives in the Harness library.
import Foundation
import NDISSim

let tool = CommandLineTool(
    out: { FileHandle.standardOutput.write($0.data(using: .utf8)!) },
    err: { FileHandle.standardError.write($0.data(using: .utf8)!) }
)
exit(tool.main(Array(CommandLine.arguments.dropFirst())))
