import CNdis
import NDIS
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The AddressSanitizer lane (`Scripts/c-driver.sh --asan`, run under the sanitizer's runtime):
/// the fields of each NBL a C driver hands NDIS, its context area, and the NET_BUFFERs, MDLs and
/// frame bytes C was shown of it, are poisoned until NDIS hands it back, so driver code that
/// touches an NBL it gave away, by a plain field access as much as through a macro, stops at that
/// line with its C stack. Without the runtime loaded this does nothing.
enum AsanLane {
    typealias Region = @convention(c) (UnsafeRawPointer?, Int) -> Void

    /// The runtime's user-poisoning calls, if it is loaded in this process.
    static let poison: Region? = lookup("__asan_poison_memory_region")
    static let unpoison: Region? = lookup("__asan_unpoison_memory_region")

    private static func lookup(_ name: String) -> Region? {
        // RTLD_DEFAULT: every image loaded so far.
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), name).map { unsafeBitCast($0, to: Region.self) }
    }

    /// What a command line needs in front to run a driver built with --asan again, when the
    /// runtime is loaded here: its LD_PRELOAD and ASAN_OPTIONS.
    static var environment: String? {
        guard let poison else { return nil }
        guard let file = csim_image_path(unsafeBitCast(poison, to: UnsafeRawPointer.self)) else { return nil }
        let options = getenv("ASAN_OPTIONS").map { String(cString: $0) } ?? "detect_leaks=0:abort_on_error=1"
        return "LD_PRELOAD=\(String(cString: file)) ASAN_OPTIONS=\(options)"
    }

    /// The driver-visible part of an NBL's C struct (the fields before the simulator's own).
    static let header = MemoryLayout<CNdis.NET_BUFFER_LIST>.offset(of: \.SimulatorId)!
}

extension CWorld {
    /// The chain a driver just handed NDIS: its NBLs' fields and context areas poisoned.
    func poisonHandedAway(_ chain: NDIS.NET_BUFFER_LIST?) {
        guard let poison = AsanLane.poison else { return }
        var n = chain
        while let nbl = n {
            if let s = shadowIfAny(nbl) { mark(s, nbl, poison) }
            n = nbl._nextForVerifier
        }
    }

    /// An NBL NDIS hands the driver (or gave back when the call returned): usable again.
    func unpoisonHandedBack(_ s: UnsafeMutablePointer<CNdis.NET_BUFFER_LIST>, _ nbl: NDIS.NET_BUFFER_LIST) {
        guard let unpoison = AsanLane.unpoison else { return }
        mark(s, nbl, unpoison)
    }

    /// The same for a whole chain (a RESOURCES indication, back when the call returns).
    func unpoisonHandedBack(_ chain: NDIS.NET_BUFFER_LIST?) {
        guard AsanLane.unpoison != nil else { return }
        var n = chain
        while let nbl = n {
            if let s = shadowIfAny(nbl) { unpoisonHandedBack(s, nbl) }
            n = nbl._nextForVerifier
        }
    }

    private func mark(_ s: UnsafeMutablePointer<CNdis.NET_BUFFER_LIST>, _ nbl: NDIS.NET_BUFFER_LIST, _ region: AsanLane.Region) {
        region(UnsafeRawPointer(s), AsanLane.header)
        if let context = s.pointee.SimulatorContextData { region(UnsafeRawPointer(context), Int(s.pointee.SimulatorContextSize)) }
        // The NET_BUFFERs and MDLs C was shown, and the bytes behind them.
        guard materialized.contains(nbl.id) else { return }
        var nb = nbl._firstNetBufferForVerifier
        while let b = nb {
            if let c = cNetBuffers[ObjectIdentifier(b)] { region(UnsafeRawPointer(c), MemoryLayout<CNdis.NET_BUFFER>.size) }
            var m = b.MdlChain
            while let mdl = m {
                if let v = mdlViews[ObjectIdentifier(mdl)] {
                    if let va = v.c.pointee.MappedSystemVa, v.c.pointee.ByteCount > 0 { region(UnsafeRawPointer(va), Int(v.c.pointee.ByteCount)) }
                    region(UnsafeRawPointer(v.c), MemoryLayout<CNdis.MDL>.size)
                }
                m = mdl.Next
            }
            nb = b.Next
        }
    }
}
