import NDIS

// Canaries for the control device's IRPs (IRP-01..IRP-04): each the reference filter with
// one flaw in its dispatch routines.

/// IRP-01. The statistics request completes the IRP in a helper and then once more on the
/// way out, as a driver does when two error paths both call `IoCompleteRequest`: Windows
/// bug-checks with MULTIPLE_IRP_COMPLETE_REQUESTS. An IRP is completed exactly once.
final class CanaryIRP01CompletesTwice: ReferenceFilterDriver {
    override func DeviceIoControl(_ FileObject: FILE_OBJECT, _ Irp: IRP) -> NTSTATUS {
        let status = super.DeviceIoControl(FileObject, Irp)
        if Irp.IoControlCode == IOCTL_NDISSIM_GET_STATS {
            ndis.IoCompleteRequest(Irp, 0) // the flaw: already completed above
        }
        return status
    }
}

/// IRP-02. The statistics request fills the buffer and returns STATUS_SUCCESS but never
/// calls `IoCompleteRequest`: the I/O manager never learns the request is done and the
/// caller waits forever. A dispatch routine that does not pend an IRP completes it.
final class CanaryIRP02ReturnsWithoutCompleting: ReferenceFilterDriver {
    override func DeviceIoControl(_ FileObject: FILE_OBJECT, _ Irp: IRP) -> NTSTATUS {
        guard Irp.IoControlCode == IOCTL_NDISSIM_GET_STATS else { return super.DeviceIoControl(FileObject, Irp) }
        Irp.SystemBuffer = [0, 0, 0, 0, 0, 0, 0, 0]
        Irp.IoStatus.Information = 8
        return .SUCCESS // the flaw: no IoCompleteRequest
    }
}

/// IRP-03. Cleanup frees the handle's context but forgets the wait-for-receive requests it
/// pended: once traffic stops, they are never completed, the process cannot exit and its
/// handle never closes. DispatchCleanup completes every IRP it holds for the file object.
final class CanaryIRP03ForgetsPendedIrps: ReferenceFilterDriver {
    override func DeviceCleanup(_ FileObject: FILE_OBJECT) {
        FileObject.FsContext = nil // the flaw: the pended waits of this handle stay queued
    }
}

/// IRP-04. The driver keeps every file object it was opened with, to count frames per
/// handle on the receive path, and never forgets one: after IRP_MJ_CLOSE the I/O manager
/// frees the file object, and the next receive reads freed memory. Nothing of a file object
/// may be used after its close.
final class CanaryIRP04TouchesClosedFileObject: ReferenceFilterDriver {
    @exclusivity(unchecked) var OpenFiles: [FILE_OBJECT] = []

    override func DeviceCreate(_ FileObject: FILE_OBJECT) -> NTSTATUS {
        let status = super.DeviceCreate(FileObject)
        if status == .SUCCESS { OpenFiles.append(FileObject) }
        return status
    }

    override func FilterReceiveNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER,
                                              _ NumberOfNetBufferLists: ULONG, _ ReceiveFlags: ULONG) {
        for file in OpenFiles { _ = file.FsContext } // the flaw: closed ones included
        super.FilterReceiveNetBufferLists(FilterModuleContext, NetBufferLists, PortNumber, NumberOfNetBufferLists, ReceiveFlags)
    }
}
