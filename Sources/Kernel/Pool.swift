/// Pool memory with a lifetime (`ExAllocatePoolWithTag` / `NdisAllocateMemoryWithTagPriority`):
/// a block holds a Swift value for the driver, knows when it was freed, and reports every
/// access through `value` to the kernel's events, so a use after free or a double free is
/// a report (as Driver Verifier's special pool makes it a crash), never silently fine just
/// because Swift kept the object alive.
public final class PoolBlock<Contents> {
    public let id: Int
    public let tag: UInt32
    public let size: Int
    public let owner: Int
    unowned(unsafe) let kernel: Kernel
    @exclusivity(unchecked) var storage: Contents
    @exclusivity(unchecked) public internal(set) var isFreed = false

    init(id: Int, tag: UInt32, size: Int, owner: Int, kernel: Kernel, contents: Contents) {
        self.id = id
        self.tag = tag
        self.size = size
        self.owner = owner
        self.kernel = kernel
        storage = contents
    }

    /// The memory's contents. Reading or writing a freed block is reported.
    public var value: Contents {
        get {
            kernel.poolAccess(id, owner: owner, write: false)
            return storage
        }
        set {
            kernel.poolAccess(id, owner: owner, write: true)
            storage = newValue
        }
    }
}

/// `POOL_TYPE`, the two a network driver uses.
public enum POOL_TYPE: Sendable {
    case NonPagedPoolNx
    case PagedPool
}

extension Kernel {
    /// `ExAllocatePoolWithTag`: a block of `NumberOfBytes` holding `contents`.
    public func ExAllocatePoolWithTag<Contents>(_ PoolType: POOL_TYPE, _ NumberOfBytes: Int, _ Tag: UInt32, owner: Int = -1,
                                                callerName: UInt8 = 0, contents: Contents) -> PoolBlock<Contents> {
        scheduler.preempt()
        let name = "pool '\(tagText(Tag))' \(NumberOfBytes) bytes"
        let block = PoolBlock(id: newObject(name), tag: Tag, size: NumberOfBytes, owner: owner, kernel: self, contents: contents)
        emit(.poolAllocate, .call, object: block.id, owner: owner, detail: NumberOfBytes, result: PoolType == .PagedPool ? 1 : 0, callerName: callerName)
        return block
    }

    /// `ExFreePoolWithTag`: a second free of the same block is reported (BAD_POOL_CALLER).
    public func ExFreePoolWithTag<Contents>(_ P: PoolBlock<Contents>, _ Tag: UInt32, callerName: UInt8 = 0) {
        scheduler.preempt()
        dep(P.id)
        emit(.poolFree, .call, object: P.id, owner: P.owner, detail: Int(Tag), result: Tag == P.tag ? 1 : 0, callerName: callerName)
        P.isFreed = true
    }

    func poolAccess(_ id: Int, owner: Int, write: Bool) {
        guard scheduler.current != nil else { return }
        dep(id)
        emit(.poolAccess, .call, object: id, owner: owner, detail: write ? 1 : 0)
    }

    func tagText(_ tag: UInt32) -> String {
        let bytes = [tag & 0xFF, (tag >> 8) & 0xFF, (tag >> 16) & 0xFF, tag >> 24]
        return String(bytes.map { $0 >= 0x20 && $0 < 0x7F ? Character(UnicodeScalar(UInt8($0))) : "." })
    }
}
