import NDIS

/// Legacy drivers on device stacks and TDI (issue 11, seed 004). Sources (learn.microsoft.com/
/// windows-hardware/drivers/...): TDI-01 `ddi/wdm/nf-wdm-iosetcompletionroutine` ("Only a
/// driver that can guarantee it will not be unloaded before its completion routine finishes can
/// use IoSetCompletionRoutine"; otherwise IoSetCompletionRoutineEx) and bug check 0xCE
/// `debugger/bug-check-0xce--driver-unloaded-without-cancelling-pending-operations`; TDI-02
/// the same bug check and `kernel/unload-routine-environment` (after Unload returns, or
/// DriverEntry fails, "the I/O manager simply frees the memory"); TDI-03 `ddi/wdm/nf-wdm-iodeletedevice`
/// (the object is freed once no references remain); TDI-04 bug check 0xC4 parameter 1 0x62
/// `debugger/bug-check-0xc4--driver-verifier-detected-violation` (a driver unloading without
/// first freeing its pool allocations); TDI-05 and TDI-06 the driver's own contract with its
/// user: the bytes it reports are those the transport moved (TDI_SEND / TDI_RECEIVE:
/// IoStatus.Information is "the number of bytes ... transferred"; TDI-05), for the process that
/// asked (`ddi/ntifs/nf-ntifs-iogetrequestorprocessid`; a driver below the top of its stack runs
/// in an arbitrary thread, `kernel/dispatch-routines-and-irqls`; TDI-06). Not a Windows crash:
/// the run fails because the driver's one job is wrong (contract tier).
extension ViolationKind {
    public static let completionRoutineAfterUnload = ViolationKind("completion-routine-after-unload", ["TDI-01"], .safety, .crash,
        "an IRP's completion routine, set with IoSetCompletionRoutine by a driver whose image has since been unloaded, was called: the I/O manager jumps into freed code (IoSetCompletionRoutineEx keeps the image until the routine ran)",
        bugCheck: "0xCE DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS (0x50 / 0xD1 at the unloaded address without Driver Verifier)")
    public static let unloadedWhileInDriverCode = ViolationKind("unloaded-while-in-driver-code", ["TDI-02"], .safety, .crash,
        "a driver's image went away (DriverUnload returned, or DriverEntry failed) while another thread was still running its code (a dispatch routine, a completion routine, its own thread), or the I/O manager later called into it",
        bugCheck: "0xCE DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS (0x50 / 0xD1 at the unloaded address without Driver Verifier)")
    public static let deviceUsedAfterDelete = ViolationKind("device-used-after-delete", ["TDI-03"], .safety, .crash,
        "a device object used after IoDeleteDevice freed it: an IRP sent to it, its extension read or written, or deleted again",
        bugCheck: "no dedicated bug check: a use after free; 0x50 PAGE_FAULT_IN_NONPAGED_AREA, or 0xD5 with Driver Verifier's special pool")
    public static let poolLeakedAtUnload = ViolationKind("pool-leaked-at-unload", ["TDI-04"], .liveness, .crash,
        "a driver's image was unloaded while pool it allocated was never freed (each leaked allocation named by tag)",
        bugCheck: "0xC4 DRIVER_VERIFIER_DETECTED_VIOLATION, P1 0x62 (unloading without freeing pool allocations), with Driver Verifier's pool tracking; a silent leak without it")
    public static let usageReportWrong = ViolationKind("usage-report-wrong", ["TDI-05"], .safety, .contract,
        "a traffic-accounting driver's report disagrees with what the transport moved for a process: more than had begun to cross, or less than had finished crossing before the report began (the tolerance its once-a-second sampling allows is exactly the transfers in flight across the report)")

    public static let usageChargedToWrongProcess = ViolationKind("usage-charged-to-wrong-process", ["TDI-06"], .safety, .contract,
        "a traffic-accounting driver's reports add up right over all processes, but charge one process with bytes another moved (the process of whatever thread ran the code, not the requester's: IoGetRequestorProcessId at dispatch is)")

    /// The legacy-driver kinds, in catalogue order.
    public static let tdi: [ViolationKind] = [completionRoutineAfterUnload, unloadedWhileInDriverCode, deviceUsedAfterDelete,
                                             poolLeakedAtUnload, usageReportWrong, usageChargedToWrongProcess]
}

extension BugCheck {
    /// The documented bug checks of the legacy-driver kinds.
    static func tdiBugCheck(_ name: String) -> BugCheck? {
        func arg(_ v: UInt64, _ meaning: String) -> Argument { Argument(value: v, meaning: meaning) }
        switch name {
        case "completion-routine-after-unload", "unloaded-while-in-driver-code":
            return BugCheck(code: 0xCE, name: "DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS",
                            arguments: [arg(0, "the memory referenced (in the unloaded image)")],
                            when: "when the unloaded code runs; without Driver Verifier 0x50 or 0xD1 at that address")
        case "pool-leaked-at-unload":
            return BugCheck(code: 0xC4, name: "DRIVER_VERIFIER_DETECTED_VIOLATION", arguments: [arg(0x62, "a driver unloading without freeing its pool allocations")],
                            when: "at unload, with Driver Verifier's pool tracking")
        default:
            return nil
        }
    }
}
