import NDIS

/// How timelines and reports print the legacy-driver events (see `NdisApi`'s TDI cases for
/// what each field carries).
extension Verifier {
    /// An IRP's status as WDM names it (NTSTATUS and NDIS_STATUS share their values).
    private func nt(_ s: NDIS_STATUS) -> String {
        switch s {
        case .SUCCESS: return "STATUS_SUCCESS"
        case .PENDING: return "STATUS_PENDING"
        case .UNSUCCESSFUL: return "STATUS_UNSUCCESSFUL"
        case .INVALID_DEVICE_REQUEST: return "STATUS_INVALID_DEVICE_REQUEST"
        case .RESOURCES: return "STATUS_INSUFFICIENT_RESOURCES"
        default: return "\(s)"
        }
    }

    func tdiArguments(_ e: RecentEvent) -> [String]? {
        let device = { (id: Int) in id >= 0 ? self.ndis.deviceObjectName(id) : "none" }
        let request = { (code: Int) -> String in
            let major = IRP_MJ(rawValue: UInt8(truncatingIfNeeded: code >> 8))
            return major == .INTERNAL_DEVICE_CONTROL || major == nil ? tdiRequestName(UInt8(truncatingIfNeeded: code)) : "\(major!)"
        }
        switch e.api {
        case .DriverEntry, .DriverUnload:
            return [ndis.driverObjectName(e.object)] + (e.phase == .return && e.api == .DriverEntry ? [nt(e.status)] : [])
        case .IoCreateDevice, .IoDeleteDevice:
            return [device(e.object)]
        case .IoAttachDevice:
            return [device(e.object), "on \(device(e.detail))"]
        case .IoDetachDevice:
            return [device(e.object), "was under \(device(e.detail))"]
        case .IoCallDriver:
            return ["\(device(e.detail))", "IRP #\(e.object)"] + (e.phase == .return ? [nt(e.status)] : [])
        case .DriverDispatch:
            return ["IRP #\(e.object) \(request(e.count))", device(e.detail)] + (e.phase == .return ? [nt(e.status)] : [])
        case .IoSetCompletionRoutine:
            return ["IRP #\(e.object)", e.flags == 1 ? "Ex" : "not Ex"]
        case .CompletionRoutine:
            return ["IRP #\(e.object)", "of \(ndis.driverObjectName(e.detail))"] + (e.phase == .return ? [nt(e.status)] : [])
        case .IoCompleteRequest where e.detail >= 0:
            return ["IRP #\(e.detail)", nt(e.status), "Information \(e.count)"]
        case .IoCancelIrp:
            return ["IRP #\(e.object)"]
        case .TdiRequest:
            return ["IRP #\(e.object) \(request(e.detail))", "length \(e.count)", "process \(e.flags)"]
        case .TdiTransfer:
            return ["IRP #\(e.object) \(tdiRequestName(UInt8(truncatingIfNeeded: e.detail)))", "\(e.count) bytes", "process \(e.flags)"]
        case .TdiUsageReport:
            return ["process \(e.flags)", "sent \(e.count)", "received \(e.detail)"]
        case .ProcessExit:
            return ["process \(e.flags)"]
        case .DeviceExtensionTouchedAfterDelete:
            return [device(e.object), e.flags == 1 ? "write" : "read"]
        default:
            return nil
        }
    }
}
