/// `NDIS_STATUS`. An open set of codes, as in ndis.h; the C names stay greppable.
public struct NDIS_STATUS: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `NDIS_STATUS_SUCCESS`
    public static let SUCCESS = NDIS_STATUS(rawValue: 0x0000_0000)
    /// `NDIS_STATUS_PENDING`
    public static let PENDING = NDIS_STATUS(rawValue: 0x0000_0103)
    /// `NDIS_STATUS_FAILURE`
    public static let FAILURE = NDIS_STATUS(rawValue: 0xC000_0001)
    /// `NDIS_STATUS_RESOURCES`
    public static let RESOURCES = NDIS_STATUS(rawValue: 0xC000_009A)
    /// `NDIS_STATUS_PAUSED`
    public static let PAUSED = NDIS_STATUS(rawValue: 0xC023_002A)
    /// `NDIS_STATUS_SEND_ABORTED`
    public static let SEND_ABORTED = NDIS_STATUS(rawValue: 0xC023_000C)
    /// `NDIS_STATUS_INVALID_DEVICE_REQUEST` (used here for IRP results too)
    public static let INVALID_DEVICE_REQUEST = NDIS_STATUS(rawValue: 0xC000_0010)
    /// `STATUS_UNSUCCESSFUL`
    public static let UNSUCCESSFUL = NDIS_STATUS(rawValue: 0xC000_0001)
    /// `NDIS_STATUS_RESET_IN_PROGRESS`
    public static let RESET_IN_PROGRESS = NDIS_STATUS(rawValue: 0xC001_000D)
    /// `NDIS_STATUS_NOT_ACCEPTED`
    public static let NOT_ACCEPTED = NDIS_STATUS(rawValue: 0x0001_0003)
    /// `STATUS_OBJECT_NAME_NOT_FOUND`
    public static let OBJECT_NAME_NOT_FOUND = NDIS_STATUS(rawValue: 0xC000_0034)
    /// `STATUS_CANCELLED`
    public static let CANCELLED = NDIS_STATUS(rawValue: 0xC000_0120)
    /// `STATUS_OBJECT_NAME_COLLISION`: a device of that name exists.
    public static let OBJECT_NAME_COLLISION = NDIS_STATUS(rawValue: 0xC000_0035)
    /// `STATUS_MORE_PROCESSING_REQUIRED`: a completion routine keeps the IRP (IoCompleteRequest stops).
    public static let MORE_PROCESSING_REQUIRED = NDIS_STATUS(rawValue: 0xC000_0016)
    /// `STATUS_CONNECTION_RESET`: the peer reset the connection; a TDI send or receive fails.
    public static let CONNECTION_RESET = NDIS_STATUS(rawValue: 0xC000_020D)
    /// `STATUS_IO_TIMEOUT`: a TDI send timed out with part of its data sent.
    public static let IO_TIMEOUT = NDIS_STATUS(rawValue: 0xC000_00B5)

    public var description: String {
        switch self {
        case .SUCCESS: return "NDIS_STATUS_SUCCESS"
        case .PENDING: return "NDIS_STATUS_PENDING"
        case .FAILURE: return "NDIS_STATUS_FAILURE"
        case .RESOURCES: return "NDIS_STATUS_RESOURCES"
        case .PAUSED: return "NDIS_STATUS_PAUSED"
        case .SEND_ABORTED: return "NDIS_STATUS_SEND_ABORTED"
        case .INVALID_DEVICE_REQUEST: return "NDIS_STATUS_INVALID_DEVICE_REQUEST"
        case .CANCELLED: return "STATUS_CANCELLED"
        case .REQUEST_ABORTED: return "NDIS_STATUS_REQUEST_ABORTED"
        case .NOT_SUPPORTED: return "NDIS_STATUS_NOT_SUPPORTED"
        case .RESET_IN_PROGRESS: return "NDIS_STATUS_RESET_IN_PROGRESS"
        case .OBJECT_NAME_NOT_FOUND: return "STATUS_OBJECT_NAME_NOT_FOUND"
        case .NOT_ACCEPTED: return "NDIS_STATUS_NOT_ACCEPTED"
        case .MORE_PROCESSING_REQUIRED: return "STATUS_MORE_PROCESSING_REQUIRED"
        case .CONNECTION_RESET: return "STATUS_CONNECTION_RESET"
        case .IO_TIMEOUT: return "STATUS_IO_TIMEOUT"
        default: return "NDIS_STATUS(0x" + String(rawValue, radix: 16, uppercase: true) + ")"
        }
    }
}

/// Windows' NTSTATUS for IRP results; the same codes as NDIS_STATUS for our purposes.
public typealias NTSTATUS = NDIS_STATUS

/// An opaque handle NDIS gives a driver. Handles are never reused within a run, so a
/// stale one is recognisable (the use-after-detach of seed 001).
public struct NDIS_HANDLE: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: UInt8, Sendable { case none, filterModule, pool, protocolBinding, miniportAdapter
        /// A protocol driver's binding (`NdisOpenAdapterEx`), and the contexts of its bind and unbind.
        case ndisBinding, bindContext, unbindContext
        /// `NdisProtocolHandle`: what a protocol driver allocates its pools with.
        case protocolDriver
        /// `MiniportAdapterHandle`: NDIS's handle for an adapter of a miniport driver under test.
        case miniportBlock
    }
    public var kind: Kind
    public var id: Int32

    public init(kind: Kind, id: Int32) {
        self.kind = kind
        self.id = id
    }

    public static let NULL = NDIS_HANDLE(kind: .none, id: -1)

    public var description: String {
        switch kind {
        case .none: return "NULL"
        case .filterModule: return "FilterHandle#\(id)"
        case .pool: return "PoolHandle#\(id)"
        case .protocolBinding: return "TCPIP-BindingHandle#\(id)"
        case .miniportAdapter: return "MiniportHandle#\(id)"
        case .ndisBinding: return "NdisBindingHandle#\(id)"
        case .bindContext: return "BindContext#\(id)"
        case .unbindContext: return "UnbindContext#\(id)"
        case .protocolDriver: return "NdisProtocolHandle#\(id)"
        case .miniportBlock: return "MiniportAdapterHandle#\(id)"
        }
    }
}

public typealias NDIS_PORT_NUMBER = UInt32
public let NDIS_DEFAULT_PORT_NUMBER: NDIS_PORT_NUMBER = 0
public typealias ULONG = UInt32

/// `NDIS_RECEIVE_FLAGS_*`
public let NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL: ULONG = 0x01
public let NDIS_RECEIVE_FLAGS_RESOURCES: ULONG = 0x02
/// `NDIS_SEND_FLAGS_*`
public let NDIS_SEND_FLAGS_DISPATCH_LEVEL: ULONG = 0x01
public let NDIS_SEND_FLAGS_CHECK_FOR_LOOPBACK: ULONG = 0x02
/// `NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL`
public let NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL: ULONG = 0x01
/// `NDIS_RETURN_FLAGS_DISPATCH_LEVEL`
public let NDIS_RETURN_FLAGS_DISPATCH_LEVEL: ULONG = 0x01

/// `NDIS_TEST_RECEIVE_CANNOT_PEND`
@inline(__always)
public func NDIS_TEST_RECEIVE_CANNOT_PEND(_ flags: ULONG) -> Bool { flags & NDIS_RECEIVE_FLAGS_RESOURCES != 0 }
