/// The kernel checks (rule ids KRN-01..09, in the style of ndis-rules.md section 8). Sources
/// are Microsoft's documentation (learn.microsoft.com/windows-hardware/drivers/...):
/// KRN-01 `devtest/wdm-irqlkewaitformultipleobjects` (SDV IrqlKeWaitForMultipleObjects: a
/// wait with a non-zero timeout needs IRQL <= APC_LEVEL) and bug check 0xB8
/// `debugger/bug-check-0xb8--attempted-switch-from-dpc`; KRN-02 PAGED_CODE and Driver
/// Verifier's IRQL checking (0xD1); KRN-03 `ddi/wdm/nf-wdm-kecanceltimer` ("a DPC that is
/// already running runs to completion; the driver must ensure that the DPC has completed
/// before freeing any resources used by the DPC"), bug checks 0xCE and 0xC7
/// `debugger/bug-check-0xc7--timer-or-dpc-invalid`; KRN-04 SDV SpinLock/SpinLockRelease (as
/// LCK-01) and 0xE1 WORKER_THREAD_RETURNED_AT_BAD_IRQL; KRN-05/06
/// `debugger/bug-check-0xd5--driver-page-fault-in-freed-special-pool`, 0xC2 BAD_POOL_CALLER
/// and `debugger/bug-check-0xc4--driver-verifier-detected-violation` (P1 0x13/0x14: freeing
/// pool already freed); KRN-07..09 the driver's own checks and crashes.
extension ViolationKind {
    public static let waitAtDispatchLevel = ViolationKind("wait-at-dispatch-level", ["KRN-01"], .safety, .crash,
        "a blocking kernel wait (KeWaitForSingleObject with a non-zero timeout, KeDelayExecutionThread, ExWaitForRundownProtectionRelease, KeFlushQueuedDpcs) at DISPATCH_LEVEL: in a timer callback, a DPC, or under a spin lock",
        bugCheck: "0xB8 ATTEMPTED_SWITCH_FROM_DPC in a DPC or timer callback; 0xA IRQL_NOT_LESS_OR_EQUAL under a spin lock")
    public static let pageableCodeAtDispatchLevel = ViolationKind("pageable-code-at-dispatch-level", ["KRN-02"], .safety, .crash,
        "a routine in pageable memory (PAGED_CODE) ran above APC_LEVEL, where a page fault cannot be served",
        bugCheck: "0xD1 DRIVER_IRQL_NOT_LESS_OR_EQUAL when the page is out (forced by Driver Verifier's IRQL checking); PAGED_CODE asserts on a checked build")
    public static let deferredWorkOutlivesOwner = ViolationKind("deferred-work-outlives-owner", ["KRN-03"], .liveness, .crash,
        "deferred work (a timer, timer callback, DPC, work item or system thread) of a module that detached: freed while still set or running, queued again for the gone module, calling on its behalf, or still active when the run ends (the driver could not unload)",
        bugCheck: "0xCE DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS at unload; 0xC7 TIMER_OR_DPC_INVALID (or 0xC4 P1 0x15) when the memory holding a set timer is freed")
    public static let spinLockHeldOnReturn = ViolationKind("spin-lock-held-on-return", ["KRN-04", "LCK-01"], .safety, .crash,
        "a handler (an NDIS callback, a dispatch routine, a timer callback, DPC, work item or system thread) returned holding a spin lock it acquired, at raised IRQL",
        bugCheck: "0xE1 WORKER_THREAD_RETURNED_AT_BAD_IRQL for a work item; otherwise a deadlock on the lock or 0xA later at the raised IRQL")
    public static let poolUseAfterFree = ViolationKind("pool-use-after-free", ["KRN-05"], .safety, .crash,
        "driver code read or wrote pool memory after it was freed",
        bugCheck: "0xD5 DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL (Driver Verifier special pool); silent corruption otherwise")
    public static let poolDoubleFree = ViolationKind("pool-double-free", ["KRN-06"], .safety, .crash,
        "pool memory freed twice",
        bugCheck: "0xC2 BAD_POOL_CALLER, P1 0x07 (already freed); 0xC4 P1 0x13/0x14 under Driver Verifier")
    public static let driverAssertionFailed = ViolationKind("driver-assertion-failed", ["KRN-07"], .safety, .crash,
        "an ASSERT in the driver's own code failed",
        bugCheck: "a break into the kernel debugger on a checked build (NT_ASSERT: STATUS_ASSERTION_FAILURE 0xC0000420, 0x1E/0x7E KMODE_EXCEPTION_NOT_HANDLED without one)")
    public static let driverBugCheck = ViolationKind("driver-bug-check", ["KRN-08"], .safety, .crash,
        "the driver called KeBugCheckEx",
        bugCheck: "the code and parameters the driver passed to KeBugCheckEx")
    public static let driverNullDereference = ViolationKind("driver-null-dereference", ["KRN-09"], .safety, .crash,
        "driver code dereferenced a NULL pointer",
        bugCheck: "0xD1 DRIVER_IRQL_NOT_LESS_OR_EQUAL at DISPATCH_LEVEL; 0x7E SYSTEM_THREAD_EXCEPTION_NOT_HANDLED / 0x3B with 0xC0000005 at PASSIVE_LEVEL")

    /// The kernel kinds, in catalogue order.
    public static let kernel: [ViolationKind] = [
        waitAtDispatchLevel, pageableCodeAtDispatchLevel, deferredWorkOutlivesOwner, spinLockHeldOnReturn,
        poolUseAfterFree, poolDoubleFree, driverAssertionFailed, driverBugCheck, driverNullDereference,
    ]
}

extension BugCheck {
    /// The documented bug checks of the kernel kinds (see the sources above).
    static func kernelBugCheck(_ name: String) -> BugCheck? {
        func arg(_ v: UInt64, _ meaning: String) -> Argument { Argument(value: v, meaning: meaning) }
        switch name {
        case "wait-at-dispatch-level":
            return BugCheck(code: 0xB8, name: "ATTEMPTED_SWITCH_FROM_DPC", arguments: [arg(0, "the original thread (the DPC's)")],
                            when: "at the wait, in a DPC or timer callback; under a spin lock: 0xA IRQL_NOT_LESS_OR_EQUAL")
        case "pageable-code-at-dispatch-level":
            return BugCheck(code: 0xD1, name: "DRIVER_IRQL_NOT_LESS_OR_EQUAL", arguments: [arg(0, "the paged address"), arg(2, "IRQL at the access")],
                            when: "when the page is not resident (Driver Verifier's IRQL checking forces it)")
        case "deferred-work-outlives-owner":
            return BugCheck(code: 0xC7, name: "TIMER_OR_DPC_INVALID", arguments: [arg(0, "a timer object found in memory being freed")],
                            when: "when the memory holding the set timer is freed; at driver unload 0xCE DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS")
        case "spin-lock-held-on-return":
            return BugCheck(code: 0xE1, name: "WORKER_THREAD_RETURNED_AT_BAD_IRQL", arguments: [arg(0, "the worker routine")],
                            when: "for a work item; elsewhere a deadlock on the lock, or 0xA at the raised IRQL later")
        case "pool-use-after-free":
            return BugCheck(code: 0xD5, name: "DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL", arguments: [arg(0, "the address referenced")],
                            when: "with Driver Verifier's special pool")
        case "pool-double-free":
            return BugCheck(code: 0xC2, name: "BAD_POOL_CALLER", arguments: [arg(0x07, "attempt to free pool which was already freed")],
                            when: "at the second free; 0xC4 P1 0x13/0x14 under Driver Verifier")
        default:
            return nil
        }
    }
}
