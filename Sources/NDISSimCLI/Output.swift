import Foundation
import Harness

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes straight to a file descriptor and reports failure, because `print` and
/// `FileHandle.write` end the process with a backtrace when stdout is full or a closed pipe.
enum FileDescriptorOutput {
    /// Writes all of `text` to `fd`; returns the `errno` of the first failed write, or nil.
    static func write(_ text: String, to fd: Int32) -> Int32? {
        var bytes = Array(text.utf8)
        var offset = 0
        return bytes.withUnsafeMutableBytes { buffer -> Int32? in
            while offset < buffer.count {
                let n = Foundation.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += n
            }
            return nil
        }
    }

    /// The one line a failed write to stdout prints before exit 2.
    static func failureLine(_ code: Int32) -> String {
        "ndis-sim: cannot write to standard output: \(String(cString: strerror(code)))\n"
    }
}

/// Set by the SIGINT handler, read between seeds: an interrupted run still prints its summary.
nonisolated(unsafe) var interruptRequested: sig_atomic_t = 0

enum Signals {
    /// Ignores SIGPIPE (a closed pipe becomes EPIPE, handled as a write error) and turns
    /// SIGINT into a flag the run loop checks.
    static func install() {
        signal(SIGPIPE, SIG_IGN)
        // A SIGINT the parent set to be ignored (a background job, nohup) stays ignored.
        let previous = signal(SIGINT, SIG_IGN)
        if unsafeBitCast(previous, to: Int.self) != unsafeBitCast(SIG_IGN, to: Int.self) {
            signal(SIGINT) { _ in interruptRequested = 1 }
            // A parent spawning from a thread that blocks signals (libdispatch workers do)
            // passes its mask on; Ctrl-C must still reach the run.
            var set = sigset_t()
            sigemptyset(&set)
            sigaddset(&set, SIGINT)
            sigprocmask(SIG_UNBLOCK, &set, nil)
        }
    }
}

/// A monotonic clock for the command line's own progress line; never read inside a simulation.
struct MonotonicClock {
    static func seconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts) // nondeterminism-ok: the progress line's timer, never read inside a simulation
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

/// Output paths: only regular files are (re)written, so a device node, FIFO, directory or
/// symlink that happens to sit at the path is never replaced (as root it would be).
enum OutputPath {
    /// Throws a one-line `UsageError` unless `path` is absent (and its folder writable) or a
    /// writable regular file. `what` names the option (`--html`, `-o`).
    static func check(_ path: String, _ what: String) throws {
        let shown = path.prefix(120)
        guard !path.isEmpty else { throw UsageError("\(what) needs a file name") }
        var st = stat()
        if lstat(path, &st) == 0 {
            let type = st.st_mode & S_IFMT
            let kind: String? = switch type {
            case S_IFREG: nil
            case S_IFDIR: "a directory"
            case S_IFLNK: "a symbolic link"
            case S_IFIFO: "a FIFO"
            case S_IFCHR, S_IFBLK: "a device"
            case S_IFSOCK: "a socket"
            default: "not a regular file"
            }
            if let kind { throw UsageError("refusing to write \(what) '\(shown)': it is \(kind) (only regular files are written)") }
            guard access(path, W_OK) == 0 else { throw UsageError("cannot write \(what) '\(shown)': \(String(cString: strerror(errno)))") }
            return
        }
        guard errno == ENOENT else { throw UsageError("cannot write \(what) '\(shown)': \(String(cString: strerror(errno)))") }
        // Not NSString.deletingLastPathComponent: it traps on some names (a lone tab).
        let dir = path.lastIndex(of: "/").map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        var ds = stat()
        guard stat(dir, &ds) == 0, ds.st_mode & S_IFMT == S_IFDIR else {
            throw UsageError("cannot write \(what) '\(shown)': its folder does not exist")
        }
        guard access(dir, W_OK) == 0 else { throw UsageError("cannot write \(what) '\(shown)': its folder is not writable") }
    }

    /// Writes `text` to `path` through a temporary file in the same folder and a rename, after
    /// `check`: a reader never sees half a file, and nothing but a regular file is replaced.
    static func write(_ text: String, to path: String, _ what: String) throws {
        try check(path, what)
        do { try text.write(toFile: path, atomically: true, encoding: .utf8) }
        catch { throw UsageError("cannot write \(what) '\(path.prefix(120))'") }
    }
}

/// "Did you mean" for a mistyped name: the closest known name within a small edit distance.
enum Suggest {
    static func closest(to name: String, in known: [String]) -> String? {
        let n = Array(name.prefix(64))
        var best: (String, Int)?
        // A name that is the start of exactly one known name ("adapter-disable"): that one.
        let extending = known.filter { $0.hasPrefix(name) && name.count >= 3 }
        if extending.count == 1 { return extending[0] }
        for k in known {
            let d = distance(n, Array(k))
            if d <= max(2, k.count / 3), best == nil || d < best!.1 { best = (k, d) }
        }
        return best?.0
    }

    /// ", did you mean 'x'?" or nothing.
    static func hint(_ name: String, _ known: [String]) -> String {
        closest(to: name, in: known).map { "; did you mean '\($0)'?" } ?? ""
    }

    /// Levenshtein distance.
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count), cur = Array(repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&prev, &cur)
        }
        return prev[b.count]
    }
}
