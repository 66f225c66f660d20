import CNdis
import Foundation
import NDIS
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A C driver built as a shared library by `Scripts/c-driver.sh`, loaded afresh for each run:
/// a fresh load starts the driver's globals from their initial values, as a boot does, so one
/// seed's run never sees another's (and the runs stay deterministic). Its imports are bound to
/// the bridge's thunks through the table its shim exports (`csim_bind`, ndis_imports.h).
final class CLibrary {
    let handle: UnsafeMutableRawPointer
    let entry: CFilterDriver.Entry
    /// A private copy loaded because another run of this process has `path` loaded now (its
    /// globals must not be shared); removed with the library.
    private let copy: String?

    /// Paths loaded now, process-wide (runs on several OS threads may load one library).
    private static let loaded = LoadedPaths()

    /// Loads `path`; a library that is missing or not built by c-driver.sh is a usage error.
    init(path given: String) throws {
        // One file, however it is spelled: dlopen would map two spellings to one image.
        guard let resolved = realpath(given, nil) else {
            throw CLibraryError("cannot load the C driver '\(given)': no such file")
        }
        let path = String(cString: resolved)
        free(resolved)
        copy = Self.loaded.claim(path) ? nil : try Self.privateCopy(of: path)
        guard let h = dlopen(copy ?? path, RTLD_NOW | RTLD_LOCAL) else {
            Self.release(path, copy)
            throw CLibraryError("cannot load the C driver '\(path)': \(dlerror().map { String(cString: $0) } ?? "unknown error")")
        }
        guard let bind = dlsym(h, "csim_bind"), let entry = dlsym(h, "DriverEntry") else {
            dlclose(h)
            Self.release(path, copy)
            throw CLibraryError("'\(path)' is not a C driver built by Scripts/c-driver.sh (it needs DriverEntry and csim_bind)")
        }
        // The table is filled by position: a library built against another ndis.h would call the wrong functions.
        guard let names = dlsym(h, "csim_import_names"), strcmp(names.assumingMemoryBound(to: CChar.self), csim_host_import_names()) == 0 else {
            dlclose(h)
            Self.release(path, copy)
            throw CLibraryError("'\(path)' was built against another version of ndis-sim's ndis.h: rebuild it with Scripts/c-driver.sh")
        }
        handle = h
        self.path = path
        self.entry = unsafeBitCast(entry, to: CFilterDriver.Entry.self)
        var table = cImports
        unsafeBitCast(bind, to: CSIM_BIND.self)(&table)
    }

    private let path: String

    deinit {
        dlclose(handle)
        Self.release(path, copy)
    }

    private static func release(_ path: String, _ copy: String?) {
        if let copy { try? FileManager.default.removeItem(atPath: copy) } else { loaded.release(path) }
    }

    private static func privateCopy(of path: String) throws -> String {
        let name = "ndis-sim-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)-\((path as NSString).lastPathComponent)"
        let copy = (NSTemporaryDirectory() as NSString).appendingPathComponent(name)
        do { try FileManager.default.copyItem(atPath: path, toPath: copy) } catch {
            throw CLibraryError("cannot load the C driver '\(path)': \(error.localizedDescription)")
        }
        return copy
    }

    /// Whether `path` loads as a C driver (for a usage check before a campaign starts).
    static func check(_ path: String) throws { _ = try CLibrary(path: path) }

}

/// The set of library paths loaded now, shared by the OS threads of one process.
private final class LoadedPaths: @unchecked Sendable {
    private let lock = NSLock()
    private var paths: [String] = []

    /// True if `path` was not loaded and now is this caller's.
    func claim(_ path: String) -> Bool {
        lock.lock(); defer { lock.unlock() }
        if paths.contains(path) { return false }
        paths.append(path)
        return true
    }

    func release(_ path: String) {
        lock.lock(); defer { lock.unlock() }
        paths.removeAll { $0 == path }
    }
}

/// A C driver library that cannot be used: the message says why, in one line.
public struct CLibraryError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension CFilterDriver {
    /// The C driver in the library at `path` (built by Scripts/c-driver.sh), loaded afresh.
    public convenience init(ndis: Ndis, library path: String) throws {
        let library = try CLibrary(path: path)
        self.init(ndis: ndis, entry: library.entry)
        self.library = library
    }

    /// Whether `path` is a C driver library ndis-sim can load; throws the reason if not.
    public static func checkLibrary(_ path: String) throws { try CLibrary.check(path) }

    /// The environment a command line that runs a C driver again needs in front of it (the
    /// AddressSanitizer runtime, when this process runs under it), or nil.
    public static var sanitizerEnvironment: String? { AsanLane.environment }
}
