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
    /// The replay command around its seed number, formatted once per run (`prepare`): arming
    /// a seed is then one store, not a string built per seed.
    nonisolated(unsafe) private static let commandHead = UnsafeMutablePointer<CChar>.allocate(capacity: capacity)
    nonisolated(unsafe) private static let commandTail = UnsafeMutablePointer<CChar>.allocate(capacity: capacity)
    nonisolated(unsafe) private static var seed: UInt64 = 0
    nonisolated(unsafe) private static var armed: sig_atomic_t = 0
    nonisolated(unsafe) private static var timeoutSeconds = 0.0
    nonisolated(unsafe) private static var watchdogStarted = false

    /// Installs the handlers and, for a positive timeout, the watchdog thread (once per
    /// process: a later call only sets the timeout).
    static func install(timeout seconds: Double) {
        timeoutSeconds = seconds
        guard !watchdogStarted else { return }
        commandHead[0] = 0; commandTail[0] = 0
        _ = digits // made now, not first in a signal handler
        // The handler runs on a stack of its own: a stack overflow in driver code leaves
        // none on the one that overflowed, and the seed must still be named.
        let altSize = 1 << 16
        var alt = stack_t()
        alt.ss_sp = UnsafeMutableRawPointer.allocate(byteCount: altSize, alignment: 16)
        alt.ss_size = altSize
        sigaltstack(&alt, nil)
        for sig in [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT] {
            var action = sigaction()
            let handler: @convention(c) (Int32) -> Void = { sig in
                if SeedGuard.armed != 0 {
                    if sig == SIGSEGV || sig == SIGBUS {
                        SeedGuard.report("took the process down in driver code (signal ", number: UInt64(sig), ": a stack overflow or a bad pointer)")
                    } else {
                        SeedGuard.report("took the process down in driver code (signal ", number: UInt64(sig), ")")
                    }
                }
                signal(sig, SIG_DFL)
                raise(sig)
            }
            #if os(Linux)
            action.__sigaction_handler.sa_handler = handler
            #else
            action.__sigaction_u.__sa_handler = handler
            #endif
            action.sa_flags = Int32(SA_ONSTACK)
            sigaction(sig, &action, nil)
        }
        watchdogStarted = true
        let watchdog = Thread { // nondeterminism-ok: a wall-clock watchdog outside every simulation
            var last = Scheduler.stepsTaken.pointee
            var still = 0.0
            while true {
                Thread.sleep(forTimeInterval: 0.25) // nondeterminism-ok: the watchdog polls the wall clock outside every simulation
                let now = Scheduler.stepsTaken.pointee
                if now != last || armed == 0 || timeoutSeconds <= 0 { last = now; still = 0; continue }
                still += 0.25
                if still >= timeoutSeconds {
                    report("made no simulated progress for ", number: UInt64(timeoutSeconds), " s (driver code looping without calling NDIS?)")
                    _exit(timeoutStatus)
                }
            }
        }
        watchdog.start()
    }

    /// The run's replay command, given as a function of the seed.
    static func prepare(replay: (UInt64) -> String) {
        let marker: UInt64 = 9_876_543_210_123_456_789
        let command = replay(marker)
        let parts = command.components(separatedBy: String(marker))
        fill(commandHead, parts.count == 2 ? parts[0] : command + " (seed ")
        fill(commandTail, parts.count == 2 ? parts[1] : ")")
    }

    /// The seed about to run.
    @inline(__always)
    static func arm(seed s: UInt64) {
        seed = s
        armed = 1
    }

    /// Between seeds and after the run: nothing to name.
    static func disarm() { armed = 0 }

    /// "ndis-sim: seed N <what><number><after>; reproduce: <command>", with write(2) only.
    private static func report(_ what: StaticString, number: UInt64, _ after: StaticString) {
        write("ndis-sim: seed ")
        writeNumber(seed)
        write(" ")
        write(what)
        writeNumber(number)
        write(after)
        write("; reproduce: ")
        _ = Foundation.write(2, commandHead, strlen(commandHead))
        writeNumber(seed)
        _ = Foundation.write(2, commandTail, strlen(commandTail))
        write("\n")
    }

    private static func fill(_ buffer: UnsafeMutablePointer<CChar>, _ text: String) {
        let bytes = Array(text.utf8.prefix(capacity - 1))
        for (i, b) in bytes.enumerated() { buffer[i] = CChar(bitPattern: b) }
        buffer[bytes.count] = 0
    }

    private static func write(_ text: StaticString) {
        _ = Foundation.write(2, text.utf8Start, text.utf8CodeUnitCount)
    }

    /// Digits are formatted into a buffer allocated once: no generic code, which in a debug build
    /// may take the Swift runtime's metadata lock, held by the code that just crashed (a
    /// corrupted heap aborts inside malloc, under it).
    nonisolated(unsafe) private static let digits = UnsafeMutablePointer<UInt8>.allocate(capacity: 24)

    private static func writeNumber(_ n: UInt64) {
        var v = n, i = 24
        repeat { i -= 1; digits[i] = UInt8(truncatingIfNeeded: 48 &+ v % 10); v /= 10 } while v > 0 && i > 0
        _ = Foundation.write(2, digits + i, 24 - i)
    }
}
