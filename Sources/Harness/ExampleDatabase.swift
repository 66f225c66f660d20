import Foundation

/// Failing seeds remembered between runs of a campaign, replayed first next time: Hypothesis'
/// example database (`.hypothesis/examples`). A seed here is the whole failing case (runs are
/// deterministic), so what it buys is speed (a test that failed fails again in its first seed)
/// and reach: seeds found by a long campaign fail a short test whose range does not hold them.
///
/// One directory per campaign identity (driver or stack, scenario, strategy, step bound,
/// options that differ from the driver's: what a replay command says but the seed), holding
/// one file per seed, `seed-<decimal>`, with the replay command and the violation kind for a
/// reader. Only the file names are read back; other files are ignored.
public struct ExampleDatabase: Sendable {
    /// The directory that holds one directory per campaign.
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// `.ndis-sim/examples` under the current directory (a package's root under `swift test`).
    public static var standard: ExampleDatabase {
        ExampleDatabase(directory: FileManager.default.currentDirectoryPath + "/.ndis-sim/examples")
    }

    /// The smallest seeds read back per campaign: a bound on what a run replays first.
    public static let maxRememberedPerCampaign = 100
    /// The failing seeds of a run's range saved (the first ones, in seed order).
    public static let maxSavedFromRange = 50

    /// What identifies a campaign's remembered seeds, one fact a line: a replay command's words
    /// without the seed (or the executable's name, which replays the same runs).
    static func identity(of c: Campaign) -> String {
        var s = "ndis-sim examples v1\n"
        s += c.isStack ? "stack \(c.filters.description)\n" : "driver \(c.driverName)\n"
        s += "registered \(c.registered)\n"
        s += "scenario \(c.scenario.name)\n"
        s += "strategy \(c.strategy.perSeed)\n"
        s += "max-steps \(c.maxSteps)\n"
        for o in c.options.differences(from: c.driverOptions) { s += "option \(o.name)=\(o.value)\n" }
        return s
    }

    /// FNV-1a, 64 bits: the same in every process (Swift's `Hasher` is seeded per process).
    static func fnv1a64(_ s: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in s.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        return h
    }

    /// A name made safe for a path: letters, digits, '.', '_' and '-' kept, the rest '_'; short.
    static func sanitized(_ s: String) -> String {
        let safe = s.unicodeScalars.map { u -> Character in
            let ok = (u >= "a" && u <= "z") || (u >= "A" && u <= "Z") || (u >= "0" && u <= "9") || u == "-" || u == "_" || u == "."
            return ok ? Character(u) : "_"
        }
        var out = String(safe.prefix(40))
        if out.hasPrefix(".") { out = "_" + out.dropFirst() }
        return out.isEmpty ? "_" : out
    }

    /// The directory name of a campaign: readable names, then the hash of its whole identity.
    static func entryName(for c: Campaign) -> String {
        let hash = String(fnv1a64(identity(of: c)), radix: 16)
        return "\(sanitized(c.driverName))-\(sanitized(c.scenario.name))-" + String(repeating: "0", count: 16 - hash.count) + hash
    }

    /// Where a campaign's remembered seeds live.
    func entryDirectory(for c: Campaign) -> String {
        (directory.hasSuffix("/") ? directory : directory + "/") + Self.entryName(for: c)
    }

    /// The seed a file name holds: `seed-` and the canonical decimal of a `UInt64`.
    static func seed(fileName: String) -> UInt64? {
        guard fileName.hasPrefix("seed-") else { return nil }
        let digits = fileName.dropFirst(5)
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let v = UInt64(digits), String(v) == digits else { return nil }
        return v
    }

    /// The remembered seeds in `entry`, smallest first, at most `maxRememberedPerCampaign`.
    /// None when the directory does not exist yet.
    func rememberedSeeds(in entry: String) throws -> [UInt64] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: entry, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else { throw ExampleDatabaseError("\(entry) is not a directory") }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: entry)
        } catch {
            throw ExampleDatabaseError("cannot read \(entry): \(Self.describe(error))")
        }
        return Array(names.compactMap(Self.seed(fileName:)).sorted().prefix(Self.maxRememberedPerCampaign))
    }

    /// Writes `seed-<seed>` in `entry` whole or not at all: a temporary file beside it, renamed.
    func save(seed: UInt64, text: String, in entry: String) throws {
        try Self.makeDirectories(entry)
        let path = entry + "/seed-\(seed)"
        let temporary = entry + "/.seed-\(seed).\(getpid()).tmp" // nondeterminism-ok: a file name no output reads
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw ExampleDatabaseError("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        var written = 0
        var failure: String?
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { failure = String(cString: strerror(errno)); break }
            written += n
        }
        if close(fd) != 0 && failure == nil { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary)
            throw ExampleDatabaseError("cannot write \(temporary): \(failure)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw ExampleDatabaseError("cannot rename \(temporary) to \(path): \(reason)")
        }
    }

    /// `mkdir -p`, with the system's reason when it fails (Foundation's is a bare error code on Linux).
    static func makeDirectories(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += "/" + part
            if mkdir(prefix, 0o777) == 0 || errno == EEXIST {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: prefix, isDirectory: &isDirectory), isDirectory.boolValue { continue }
                throw ExampleDatabaseError("cannot create \(path): \(prefix) is not a directory")
            }
            throw ExampleDatabaseError("cannot create \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Forgets a seed that no longer fails; a file already gone is no error.
    func forget(seed: UInt64, in entry: String) throws {
        let path = entry + "/seed-\(seed)"
        guard unlink(path) == 0 || errno == ENOENT else {
            throw ExampleDatabaseError("cannot delete \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// An error of Foundation's file calls in words: the system's reason when it has one
    /// (Foundation's own text is often just "The operation could not be completed").
    static func describe(_ error: Error) -> String {
        let e = error as NSError
        if let u = e.userInfo[NSUnderlyingErrorKey] as? NSError, u.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(u.code))) }
        if e.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(e.code))) }
        return e.localizedDescription
    }

    /// The one line a result carries for a file-system error.
    static func reason(_ error: Error) -> String {
        let text = (error as? ExampleDatabaseError)?.message ?? describe(error)
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
        return line.count > 300 ? String(line.prefix(300)) + "..." : line
    }
}

/// A file-system error of the example database, in words.
struct ExampleDatabaseError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
