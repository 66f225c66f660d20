import Foundation
import Harness
import Simulation

/// Names the seed when a driver model takes the process down: a trap in driver code
/// (`fatalError`, a force-unwrapped nil, a failed `as!`) or a loop that never calls NDIS. The
/// line is written before the process dies, from buffers formatted when the seed started (a
/// signal handler may only write), with the command that reproduces the seed. The campaign
/// itself is lost with the process; `Scripts/fuzz.sh` runs chunks in their own processes.
enum SeedGuard {
    /// Exit status when a seed made no simulated progress for the timeout (as timeout(1)).
    static let timeoutStatus: Int32 = 124
    private static let capacity = 1024
    nonisolated(unsafe) private static let crashLine = UnsafeMutablePointer<CChar>.allocate(capacity: capacity)
    nonisolated(unsafe) private static let crashTail = UnsafeMutablePointer<CChar>.allocate(capacity: capacity)
    nonisolated(unsafe) private static let timeoutLine = UnsafeMutablePointer<CChar>.allocate(capacity: capacity)
    nonisolated(unsafe) private static var armed: sig_atomic_t = 0
    nonisolated(unsafe) private static var timeoutSeconds = 0.0

    nonisolated(unsafe) private static var watchdogStarted = false

    /// Installs the handlers and, for a positive timeout, the watchdog thread (once per
    /// process: a later call only sets the timeout).
    static func install(timeout seconds: Double) {
        timeoutSeconds = seconds
        guard !watchdogStarted else { return }
        crashLine[0] = 0; crashTail[0] = 0; timeoutLine[0] = 0
        for sig in [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT] {
            signal(sig) { sig in
                if SeedGuard.armed != 0 {
                    SeedGuard.write(SeedGuard.crashLine)
                    SeedGuard.writeNumber(Int(sig))
                    SeedGuard.write(SeedGuard.crashTail)
                }
                signal(sig, SIG_DFL)
                raise(sig)
            }
        }
        watchdogStarted = true
        let watchdog = Thread { // nondeterminism-ok: a wall-clock watchdog outside every simulation
            var last = Scheduler.stepsTaken.pointee
            var still = 0.0
            while true {
                Thread.sleep(forTimeInterval: 0.25)
                let now = Scheduler.stepsTaken.pointee
                if now != last || armed == 0 || timeoutSeconds <= 0 { last = now; still = 0; continue }
                still += 0.25
                if still >= timeoutSeconds {
                    write(timeoutLine)
                    _exit(timeoutStatus)
                }
            }
        }
        watchdog.start()
    }

    /// The seed about to run, and the command that reproduces it.
    static func arm(seed: UInt64, replay: String) {
        fill(crashLine, "ndis-sim: seed \(seed) took the process down in driver code (signal ")
        fill(crashTail, "); reproduce: \(replay)\n")
        fill(timeoutLine, "ndis-sim: seed \(seed) made no simulated progress for \(timeoutSeconds) s (driver code looping without calling NDIS?); reproduce: \(replay)\n")
        armed = 1
    }

    /// Between seeds and after the run: nothing to name.
    static func disarm() { armed = 0 }

    private static func fill(_ buffer: UnsafeMutablePointer<CChar>, _ text: String) {
        let bytes = Array(text.utf8.prefix(capacity - 1))
        for (i, b) in bytes.enumerated() { buffer[i] = CChar(bitPattern: b) }
        buffer[bytes.count] = 0
    }

    private static func write(_ buffer: UnsafeMutablePointer<CChar>) {
        _ = Glibc.write(2, buffer, strlen(buffer))
    }

    private static func writeNumber(_ n: Int) {
        var digits = [CChar](repeating: 0, count: 12)
        var v = n, i = 11
        repeat { i -= 1; digits[i] = CChar(48 + v % 10); v /= 10 } while v > 0 && i > 0
        digits.withUnsafeBufferPointer { p in _ = Glibc.write(2, p.baseAddress! + i, 11 - i) }
    }
}
