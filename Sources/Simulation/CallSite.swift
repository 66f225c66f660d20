/// Where in a driver's source a simulated thread last called into the simulated world:
/// what a report shows as the faulting source line (`!analyze -v`'s FAULTING_SOURCE_LINE).
/// Captured by the API's default arguments (`#fileID`, `#line`, `#function`), so it costs a
/// few stores per call and nothing to write.
public struct CallSite: Sendable, CustomStringConvertible {
    public let file: StaticString
    public let line: UInt
    public let function: StaticString

    public init(file: StaticString, line: UInt, function: StaticString) {
        self.file = file
        self.line = line
        self.function = function
    }

    /// "Npcap2016.swift:412 in NPF_Write": the file without its module, the function without
    /// its argument labels.
    public var description: String {
        let path = "\(file)"
        let name = "\(function)"
        let shortFile = path.split(separator: "/").last.map(String.init) ?? path
        let shortFunction = name.split(separator: "(").first.map(String.init) ?? name
        return "\(shortFile):\(line) in \(shortFunction)"
    }
}
