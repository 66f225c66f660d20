import NDIS

/// The WDK's NDIS 6 lightweight filter sample (Windows-driver-samples,
/// `network/ndis/filter`: filter.c, filter.h, device.c, flt_dbg.h), modelled from its source
/// handler by handler. Microsoft ships it as the template for filter drivers, so it must run
/// clean of errors.
///
/// Two builds, as the sample compiles them:
///
/// - **free** (`checkedBuild == false`): pure pass-through in every state. Sends are
///   forwarded down and receives passed up whatever `State` says; the per-module
///   `OutstandingSends` / `OutstandingRcvs` are kept under `Lock` but never read.
///   `FilterPause` waits for nothing: the sample neither queues nor originates NBLs.
///   A receive passed up while Pausing or Paused is a guidance finding (RCV-09, a warning).
/// - **checked** (`checkedBuild == true`, the sample's `#if DBG` code): sends that find
///   `State != FilterRunning` are completed at once with `NDIS_STATUS_PAUSED`; receives are
///   returned (or, with `NDIS_RECEIVE_FLAGS_RESOURCES`, simply not indicated); `FILTER_ASSERT`
///   becomes a driver assertion (`DbgBreakPoint` with no debugger attached is a bug check).
///
/// Left out, because the NDIS model has no such calls yet: `FilterOidRequest`,
/// `FilterOidRequestComplete`, `FilterCancelOidRequest` (the sample clones every OID request
/// and tracks the clone in `PendingOidRequest`), `FilterStatus` (the checked build's
/// `bIndicating` assertion pair), `FilterNetPnPEvent`, `FilterDevicePnPEventNotify`,
/// `FilterCancelSendNetBufferLists` (a plain `NdisFCancelSendNetBufferLists`),
/// `FilterSetModuleOptions` (its bypass demo is dead code behind `if (bFalse)`), the
/// configuration read in `FilterRestart` (`NdisOpenConfigurationEx`, result ignored) and the
/// restart attributes' lookahead, and the control device's `IOCTL_FILTER_RESTART_ONE_INSTANCE`
/// (`NdisFRestartFilter` on a module found without a reference).
public final class WdkFilterSampleDriver: FilterDriver, FilterDriverIntrospection {
    public let ndis: Ndis
    /// The sample's `#if DBG` build.
    public let checkedBuild: Bool
    /// `FilterListLock`: protects `FilterModuleList` (DriverEntry: `FILTER_INIT_LOCK`).
    public let FilterListLock: NDIS_SPIN_LOCK
    @exclusivity(unchecked) public var FilterModuleList: [MS_FILTER] = []

    /// `FILTER_TAG`, the tag of every allocation.
    static let FILTER_ALLOC_TAG: UInt32 = 0x746C_6946   // 'Filt'

    /// FilterRestart queries the link state with the sample's `filterDoInternalRequest` (the
    /// docs' pattern for a filter's own OID request; the sample itself never calls it).
    public let queriesOnRestart: Bool

    public init(ndis: Ndis, checkedBuild: Bool, queriesOnRestart: Bool = false) {
        self.ndis = ndis
        self.checkedBuild = checkedBuild
        self.queriesOnRestart = queriesOnRestart
        FilterListLock = ndis.NdisAllocateSpinLock("FilterListLock")
    }

    /// `FILTER_ASSERT(e)`: in the checked build `DbgPrint` + `DbgBreakPoint` when false (with no
    /// kernel debugger, an unhandled breakpoint: a bug check); nothing in the free build.
    /// `ASSERT` is the same (WDK `ASSERT` is active only under DBG).
    func FILTER_ASSERT(_ condition: @autoclosure () -> Bool, _ expression: String, file: StaticString = #fileID, line: UInt = #line) {
        if checkedBuild { ndis.ASSERT(condition(), expression, file: file, line: line) }
    }

    /// `FILTER_ACQUIRE_LOCK(Lock, DispatchLevel)`: `NdisDprAcquireSpinLock` when the caller
    /// says it runs at DISPATCH_LEVEL, `NdisAcquireSpinLock` otherwise.
    func FILTER_ACQUIRE_LOCK(_ Lock: NDIS_SPIN_LOCK, _ DispatchLevel: Bool) {
        if DispatchLevel { ndis.NdisDprAcquireSpinLock(Lock) } else { ndis.NdisAcquireSpinLock(Lock) }
    }

    /// `FILTER_RELEASE_LOCK(Lock, DispatchLevel)`
    func FILTER_RELEASE_LOCK(_ Lock: NDIS_SPIN_LOCK, _ DispatchLevel: Bool) {
        if DispatchLevel { ndis.NdisDprReleaseSpinLock(Lock) } else { ndis.NdisReleaseSpinLock(Lock) }
    }

    // MARK: Lifecycle (filter.c)

    /// `FilterAttach`: media check, one allocation for the context (`FILTER_ALLOC_MEM` with the
    /// module's handle), `TrackReceives = TrackSends = TRUE`, `NdisFSetAttributes`,
    /// `State = FilterPaused` (no lock), then into `FilterModuleList` under `FilterListLock`.
    /// No NBL pool: the sample never originates NBLs.
    public func FilterAttach(_ NdisFilterHandle: NDIS_HANDLE, _ AttachParameters: NDIS_FILTER_ATTACH_PARAMETERS) -> NDIS_STATUS {
        switch AttachParameters.MiniportMediaType {
        case "NdisMedium802_3", "NdisMediumWan", "NdisMediumWirelessWan": break
        default: return NDIS_STATUS_INVALID_PARAMETER
        }
        // The context and the three name copies in one block (NdisAllocateMemoryWithTagPriority).
        let memory = ndis.NdisAllocateMemoryWithTagPriority(NdisFilterHandle, 512, Self.FILTER_ALLOC_TAG, .LowPoolPriority, contents: ())
        let pFilter = MS_FILTER(FilterHandle: NdisFilterHandle, MiniportName: AttachParameters.BaseMiniportName,
                                Lock: ndis.NdisAllocateSpinLock("MS_FILTER.Lock"), Memory: memory)
        pFilter.TrackReceives = true
        pFilter.TrackSends = true
        guard ndis.NdisFSetAttributes(NdisFilterHandle, pFilter) == .SUCCESS else {
            ndis.NdisFreeMemory(memory)
            return .FAILURE
        }
        pFilter.State = .FilterPaused
        FILTER_ACQUIRE_LOCK(FilterListLock, false)
        FilterModuleList.append(pFilter)
        FILTER_RELEASE_LOCK(FilterListLock, false)
        return .SUCCESS
    }

    /// `FilterPause`: marks the module Pausing under `Lock`, then Paused without it, and returns
    /// SUCCESS. Never PENDING, never `NdisFPauseComplete`: there is nothing to wait for.
    public func FilterPause(_ FilterModuleContext: AnyObject, _ PauseParameters: NDIS_FILTER_PAUSE_PARAMETERS) -> NDIS_STATUS {
        let pFilter = FilterModuleContext as! MS_FILTER
        FILTER_ASSERT(pFilter.State == .FilterRunning, "pFilter->State == FilterRunning")
        FILTER_ACQUIRE_LOCK(pFilter.Lock, false)
        pFilter.State = .FilterPausing
        FILTER_RELEASE_LOCK(pFilter.Lock, false)
        // (Here a filter that queues would complete its queued sends and return its queued
        // receives, and one that originates would wait for its own NBLs; the sample does neither.)
        pFilter.State = .FilterPaused
        return .SUCCESS
    }

    /// `FilterRestart`: `State = FilterRunning` (no lock) and SUCCESS; the failure branch
    /// that would leave it Paused is unreachable in the sample.
    public func FilterRestart(_ FilterModuleContext: AnyObject, _ RestartParameters: NDIS_FILTER_RESTART_PARAMETERS) -> NDIS_STATUS {
        let pFilter = FilterModuleContext as! MS_FILTER
        FILTER_ASSERT(pFilter.State == .FilterPaused, "pFilter->State == FilterPaused")
        if queriesOnRestart {
            // Its answer is information only: a failure does not fail the restart.
            _ = filterDoInternalRequest(pFilter, .NdisRequestQueryInformation, OID_GEN_LINK_STATE, 32)
        }
        pFilter.State = .FilterRunning
        return .SUCCESS
    }

    /// `FilterDetach`: out of `FilterModuleList` under `FilterListLock`, then the context is
    /// freed. Waits for nothing.
    public func FilterDetach(_ FilterModuleContext: AnyObject) {
        let pFilter = FilterModuleContext as! MS_FILTER
        FILTER_ASSERT(pFilter.State == .FilterPaused, "pFilter->State == FilterPaused")
        FILTER_ACQUIRE_LOCK(FilterListLock, false)
        FilterModuleList.removeAll { $0 === pFilter }
        FILTER_RELEASE_LOCK(FilterListLock, false)
        ndis.NdisFreeMemory(pFilter.Memory)
    }

    // MARK: Send path

    /// `FilterSendNetBufferLists`. Checked build: under `Lock`, a module not Running completes
    /// the whole chain with `NDIS_STATUS_PAUSED`. Both builds: `OutstandingSends` raised per NBL
    /// under `Lock` (a second acquisition), then the chain is forwarded unchanged.
    public func FilterSendNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER, _ SendFlags: ULONG) {
        let pFilter = FilterModuleContext as! MS_FILTER
        let DispatchLevel = SendFlags & NDIS_SEND_FLAGS_DISPATCH_LEVEL != 0
        if checkedBuild {
            FILTER_ACQUIRE_LOCK(pFilter.Lock, DispatchLevel)
            if pFilter.State != .FilterRunning {
                FILTER_RELEASE_LOCK(pFilter.Lock, DispatchLevel)
                var CurrNbl: NET_BUFFER_LIST? = NetBufferLists
                while let nbl = CurrNbl {
                    nbl.Status = .PAUSED
                    CurrNbl = nbl.Next
                }
                ndis.NdisFSendNetBufferListsComplete(pFilter.FilterHandle, NetBufferLists,
                                                     DispatchLevel ? NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL : 0)
                return
            }
            FILTER_RELEASE_LOCK(pFilter.Lock, DispatchLevel)
        }
        if pFilter.TrackSends {
            FILTER_ACQUIRE_LOCK(pFilter.Lock, DispatchLevel)
            var CurrNbl: NET_BUFFER_LIST? = NetBufferLists
            while let nbl = CurrNbl {
                pFilter.OutstandingSends += 1
                CurrNbl = nbl.Next
            }
            FILTER_RELEASE_LOCK(pFilter.Lock, DispatchLevel)
        }
        ndis.NdisFSendNetBufferLists(pFilter.FilterHandle, NetBufferLists, PortNumber, SendFlags)
    }

    /// `FilterSendNetBufferListsComplete`: `OutstandingSends` lowered under `Lock`, the whole
    /// chain completed upward with the same flags. No state check in either build.
    public func FilterSendNetBufferListsComplete(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ SendCompleteFlags: ULONG) {
        let pFilter = FilterModuleContext as! MS_FILTER
        if pFilter.TrackSends {
            var NumOfSendCompletes = 0
            var CurrNbl: NET_BUFFER_LIST? = NetBufferLists
            while let nbl = CurrNbl {
                NumOfSendCompletes += 1
                CurrNbl = nbl.Next
            }
            let DispatchLevel = SendCompleteFlags & NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL != 0
            FILTER_ACQUIRE_LOCK(pFilter.Lock, DispatchLevel)
            pFilter.OutstandingSends -= NumOfSendCompletes
            FILTER_RELEASE_LOCK(pFilter.Lock, DispatchLevel)
        }
        ndis.NdisFSendNetBufferListsComplete(pFilter.FilterHandle, NetBufferLists, SendCompleteFlags)
    }

    // MARK: Receive path

    /// `FilterReceiveNetBufferLists`. Checked build: under `Lock`, a module not Running returns
    /// the chain (`NdisFReturnNetBufferLists`) if the indication can pend, and with RESOURCES
    /// just returns from the callback: either way nothing is indicated. Both builds:
    /// `OutstandingRcvs` raised by the count under `Lock`, the chain indicated up with the same
    /// flags, and with RESOURCES the count lowered again once the indication returned.
    public func FilterReceiveNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER,
                                            _ NumberOfNetBufferLists: ULONG, _ ReceiveFlags: ULONG) {
        let pFilter = FilterModuleContext as! MS_FILTER
        let DispatchLevel = ReceiveFlags & NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL != 0
        if checkedBuild {
            FILTER_ACQUIRE_LOCK(pFilter.Lock, DispatchLevel)
            if pFilter.State != .FilterRunning {
                FILTER_RELEASE_LOCK(pFilter.Lock, DispatchLevel)
                if !NDIS_TEST_RECEIVE_CANNOT_PEND(ReceiveFlags) {
                    ndis.NdisFReturnNetBufferLists(pFilter.FilterHandle, NetBufferLists,
                                                   DispatchLevel ? NDIS_RETURN_FLAGS_DISPATCH_LEVEL : 0)
                }
                return
            }
            FILTER_RELEASE_LOCK(pFilter.Lock, DispatchLevel)
        }
        ASSERT_CHECKED(NumberOfNetBufferLists >= 1, "NumberOfNetBufferLists >= 1")
        if pFilter.TrackReceives {
            FILTER_ACQUIRE_LOCK(pFilter.Lock, DispatchLevel)
            pFilter.OutstandingRcvs += Int(NumberOfNetBufferLists)
            FILTER_RELEASE_LOCK(pFilter.Lock, DispatchLevel)
        }
        ndis.NdisFIndicateReceiveNetBufferLists(pFilter.FilterHandle, NetBufferLists, PortNumber, NumberOfNetBufferLists, ReceiveFlags)
        if NDIS_TEST_RECEIVE_CANNOT_PEND(ReceiveFlags) && pFilter.TrackReceives {
            FILTER_ACQUIRE_LOCK(pFilter.Lock, DispatchLevel)
            pFilter.OutstandingRcvs -= Int(NumberOfNetBufferLists)
            FILTER_RELEASE_LOCK(pFilter.Lock, DispatchLevel)
        }
    }

    /// `FilterReturnNetBufferLists`: the chain goes back down first, then `OutstandingRcvs` is
    /// lowered under `Lock`. No state check in either build.
    public func FilterReturnNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ ReturnFlags: ULONG) {
        let pFilter = FilterModuleContext as! MS_FILTER
        var NumOfNetBufferLists = 0
        if pFilter.TrackReceives {
            var CurrNbl: NET_BUFFER_LIST? = NetBufferLists
            while let nbl = CurrNbl {
                NumOfNetBufferLists += 1
                CurrNbl = nbl.Next
            }
        }
        let DispatchLevel = ReturnFlags & NDIS_RETURN_FLAGS_DISPATCH_LEVEL != 0
        ndis.NdisFReturnNetBufferLists(pFilter.FilterHandle, NetBufferLists, ReturnFlags)
        if pFilter.TrackReceives {
            FILTER_ACQUIRE_LOCK(pFilter.Lock, DispatchLevel)
            pFilter.OutstandingRcvs -= NumOfNetBufferLists
            FILTER_RELEASE_LOCK(pFilter.Lock, DispatchLevel)
        }
    }

    /// `ASSERT` (WDK): active in the checked build only, like `FILTER_ASSERT`.
    func ASSERT_CHECKED(_ condition: @autoclosure () -> Bool, _ expression: String, file: StaticString = #fileID, line: UInt = #line) {
        if checkedBuild { ndis.ASSERT(condition(), expression, file: file, line: line) }
    }

    // MARK: The control device (device.c)

    /// `FilterDispatch` for `IRP_MJ_CREATE`: always SUCCESS (the device is not per adapter).
    /// `IRP_MJ_CLEANUP` and `IRP_MJ_CLOSE` succeed and do nothing (the defaults). There is no
    /// `IRP_MJ_WRITE` or `IRP_MJ_READ` entry: writes fail with STATUS_INVALID_DEVICE_REQUEST.
    public func DeviceCreate(_ FileObject: FILE_OBJECT) -> NTSTATUS { .SUCCESS }

    /// `FilterDeviceIoControl`: the sample's own codes are not the ones the scenarios send, and
    /// its `default:` case completes any other code with STATUS_SUCCESS and no output.
    public func DeviceIoControl(_ FileObject: FILE_OBJECT, _ Irp: IRP) -> NTSTATUS {
        Irp.IoStatus.Status = .SUCCESS
        Irp.IoStatus.Information = 0
        ndis.IoCompleteRequest(Irp, 0)
        return .SUCCESS
    }

    // MARK: Introspection

    public func believedState(_ FilterModuleContext: AnyObject) -> FilterState? {
        switch (FilterModuleContext as! MS_FILTER).State {
        case .FilterPausing: return .Pausing
        case .FilterPaused: return .Paused
        case .FilterRunning: return .Running
        case .FilterRestarting: return .Restarting
        case .FilterStateUnspecified, .FilterInitialized, .FilterDetaching: return nil
        }
    }

    /// The sample's pause decides on no counter.
    public func pauseCounter(_ FilterModuleContext: AnyObject) -> Int? { nil }
}

/// `FILTER_STATE` (filter.h). Only Pausing, Paused and Running are ever assigned.
public enum FILTER_STATE: Sendable {
    case FilterStateUnspecified, FilterInitialized, FilterPausing, FilterPaused, FilterRunning, FilterRestarting, FilterDetaching
}

/// `MS_FILTER` (filter.h), the module context, with the fields the sample uses.
public final class MS_FILTER {
    public let FilterHandle: NDIS_HANDLE
    public let MiniportName: String
    /// Protects `State`, `OutstandingSends` and `OutstandingRcvs` (the sample never
    /// initialises it: a zeroed `KSPIN_LOCK` is a released one).
    public let Lock: NDIS_SPIN_LOCK
    @exclusivity(unchecked) public var State: FILTER_STATE = .FilterStateUnspecified
    @exclusivity(unchecked) public var OutstandingSends = 0
    @exclusivity(unchecked) public var OutstandingRcvs = 0
    @exclusivity(unchecked) public var TrackSends = false
    @exclusivity(unchecked) public var TrackReceives = false
    /// The clone `FilterOidRequest` sent down and has not had back (for cancellation).
    @exclusivity(unchecked) public var PendingOidRequest: NDIS_OID_REQUEST?
    /// The block `FilterAttach` allocated for the context (freed by `FilterDetach`).
    let Memory: PoolBlock<Void>
    /// The internal request `filterDoInternalRequest` waits for (the sample's `FILTER_REQUEST`
    /// lives on that function's stack; its completion finds it by `CONTAINING_RECORD`).
    @exclusivity(unchecked) var InternalRequest: FILTER_REQUEST?

    init(FilterHandle: NDIS_HANDLE, MiniportName: String, Lock: NDIS_SPIN_LOCK, Memory: PoolBlock<Void>) {
        self.FilterHandle = FilterHandle
        self.MiniportName = MiniportName
        self.Lock = Lock
        self.Memory = Memory
    }
}

/// `NDIS_STATUS_INVALID_PARAMETER`
let NDIS_STATUS_INVALID_PARAMETER = NDIS_STATUS(rawValue: 0xC001_0017)
