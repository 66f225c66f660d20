import Testing
import Simulation
@testable import Kernel

/// `RTL_GENERIC_TABLE` as Windows' splay tree: enumeration continues from the root, and
/// inserts, lookups, enumeration steps and deletes move the root.
@Suite struct GenericTableTests {
    /// A table of Ints outside any simulated thread, counting the FreeRoutine's calls per block.
    final class Fixture {
        let kernel: Kernel
        let table: RTL_GENERIC_TABLE<Int>
        var freed: [Int: Int] = [:]   // block id -> FreeRoutine calls
        var nextId = 0

        init() {
            let scheduler = Scheduler(choices: ChoiceSource(seed: 1), pool: StackPool(), maxSteps: 1_000)
            let kernel = Kernel(scheduler: scheduler)
            self.kernel = kernel
            var made: (() -> Int)!
            var freedOne: ((Int) -> Void)!
            table = kernel.RtlInitializeGenericTable(
                { a, b in a < b ? -1 : a > b ? 1 : 0 },
                { value in PoolBlock(id: made(), tag: 0x7447_7354, size: 8, owner: -1, kernel: kernel, contents: value) },
                { block in freedOne(block.id); block.isFreed = true })
            made = { [unowned self] in defer { self.nextId += 1 }; return self.nextId }
            freedOne = { [unowned self] id in self.freed[id, default: 0] += 1 }
        }

        @discardableResult
        func insert(_ values: [Int]) -> [PoolBlock<Int>] {
            values.map { kernel.RtlInsertElementGenericTable(table, $0).element! }
        }

        /// The keys enumeration returns from a restart, in order.
        func enumerated() -> [Int] {
            var keys: [Int] = []
            var p = kernel.RtlEnumerateGenericTable(table, true)
            while let e = p {
                keys.append(e.storage)
                p = kernel.RtlEnumerateGenericTable(table, false)
            }
            return keys
        }

        /// The classic buggy loop: delete whatever each enumeration step returns.
        /// Returns what is left, in key order.
        func clearAllByEnumerating() -> [Int] {
            var p = kernel.RtlEnumerateGenericTable(table, true)
            while let e = p {
                #expect(kernel.RtlDeleteElementGenericTable(table, e.storage))
                p = kernel.RtlEnumerateGenericTable(table, false)
            }
            return enumerated()
        }
    }

    /// A fixed shuffle of 1...10; order n keeps its elements <= n.
    static let shuffled = [7, 3, 10, 1, 6, 9, 2, 5, 8, 4]

    static func orders(_ n: Int) -> [(String, [Int])] {
        [("increasing", Array(1...n)), ("decreasing", Array((1...n).reversed())), ("shuffled", shuffled.filter { $0 <= n })]
    }

    @Test func clearAllLoopDeletingEachEnumeratedElementLeavesSome() {
        let two = Fixture()
        two.insert([1, 2])
        #expect(two.clearAllByEnumerating() == [2])
        #expect(two.kernel.RtlNumberGenericTableElements(two.table) == 1)

        // Elements left after the loop, observed (the same as a line-by-line transliteration of
        // ReactOS's splaytree.c/generictable.c gives, and over all insertion orders of 1...n:
        // n=4 leaves 1 to 3, n=8 leaves 1 to 7):
        //   n:           2  3  4  5  6  7  8  9  10
        //   increasing:  1  1  3  3  5  5  7  7  9    (all but 1 when n is even)
        //   decreasing:  1  1  1  1  1  1  1  1  1    (only 2)
        //   shuffled:    1  1  3  3  3  3  3  3  3    (2, 3 and 4 from n=4 on)
        let expected: [String: [Int]] = [
            "increasing": [1, 1, 3, 3, 5, 5, 7, 7, 9],
            "decreasing": [1, 1, 1, 1, 1, 1, 1, 1, 1],
            "shuffled": [1, 1, 3, 3, 3, 3, 3, 3, 3],
        ]
        let eight = Fixture()
        eight.insert(Array(1...8))
        #expect(eight.clearAllByEnumerating() == Array(2...8))
        for n in 2...10 {
            for (name, order) in Self.orders(n) {
                let f = Fixture()
                f.insert(order)
                let left = f.clearAllByEnumerating()
                #expect(!left.isEmpty, "\(name) n=\(n)")
                #expect(left.count == f.kernel.RtlNumberGenericTableElements(f.table))
                #expect(left.count == expected[name]![n - 2], "\(name) n=\(n) left \(left)")
            }
        }
    }

    @Test func aLookupBeforeTheClearAllLoopChangesWhatItLeaves() {
        // The history moves the root: the same keys, with a lookup of 4 before the loop (leaves 2, 3, 4 instead of 2...8).
        let plain = Fixture()
        plain.insert(Array(1...8))
        let afterLookup = Fixture()
        afterLookup.insert(Array(1...8))
        #expect(afterLookup.kernel.RtlLookupElementGenericTable(afterLookup.table, 4)?.storage == 4)
        #expect(plain.clearAllByEnumerating() != afterLookup.clearAllByEnumerating())
    }

    @Test func deletingTheFirstElementUntilEmptyEmptiesTheTable() {
        for n in 1...10 {
            for (name, order) in Self.orders(n) {
                let f = Fixture()
                f.insert(order)
                var deletes = 0
                while let first = f.kernel.RtlGetElementGenericTable(f.table, 0) {
                    #expect(f.kernel.RtlDeleteElementGenericTable(f.table, first.storage))
                    deletes += 1
                    if deletes > n { break }
                }
                #expect(deletes == n, "\(name) n=\(n)")
                #expect(f.kernel.RtlNumberGenericTableElements(f.table) == 0)
                #expect(f.kernel.RtlEnumerateGenericTable(f.table, true) == nil)
            }
        }
    }

    @Test func enumerationWithoutDeletesVisitsEveryElementInOrder() {
        for n in 1...10 {
            for (name, order) in Self.orders(n) {
                let f = Fixture()
                f.insert(order)
                #expect(f.enumerated() == Array(1...n), "\(name) n=\(n)")
                // Lookups between enumerations move the root, but a restart still sees everything.
                _ = f.kernel.RtlLookupElementGenericTable(f.table, (n + 1) / 2)
                #expect(f.enumerated() == Array(1...n), "\(name) n=\(n) after a lookup")
            }
        }
        #expect(Fixture().enumerated() == [])
    }

    @Test func enumerationContinuesFromTheRootSoALookupRedirectsIt() {
        let f = Fixture()
        f.insert(Array(1...6))
        #expect(f.kernel.RtlEnumerateGenericTable(f.table, true)?.storage == 1)
        #expect(f.kernel.RtlEnumerateGenericTable(f.table, false)?.storage == 2)
        #expect(f.kernel.RtlLookupElementGenericTable(f.table, 5)?.storage == 5)
        #expect(f.kernel.RtlEnumerateGenericTable(f.table, false)?.storage == 6)
        #expect(f.kernel.RtlEnumerateGenericTable(f.table, false) == nil)
        // A lookup that misses leaves the root where it was.
        #expect(f.kernel.RtlLookupElementGenericTable(f.table, 42) == nil)
        #expect(f.kernel.RtlEnumerateGenericTable(f.table, false) == nil)
    }

    @Test func insertOfAnExistingKeyReturnsTheExistingElement() {
        let f = Fixture()
        let blocks = f.insert([3, 1, 2])
        let again = f.kernel.RtlInsertElementGenericTable(f.table, 1)
        #expect(again.element === blocks[1])
        #expect(!again.NewElement)
        #expect(f.nextId == 3, "no allocation for an existing key")
        #expect(f.kernel.RtlNumberGenericTableElements(f.table) == 3)
        // The existing element was splayed to the root: enumeration continues after it.
        #expect(f.kernel.RtlEnumerateGenericTable(f.table, false)?.storage == 2)
        #expect(f.kernel.RtlLookupElementGenericTable(f.table, 1) === blocks[1])
    }

    @Test func getElementCountsInsertionOrderAndDoesNotSplay() {
        let f = Fixture()
        f.insert([5, 2, 9, 1])
        #expect((0..<4).map { f.kernel.RtlGetElementGenericTable(f.table, $0)?.storage } == [5, 2, 9, 1])
        #expect(f.kernel.RtlGetElementGenericTable(f.table, 4) == nil)
        #expect(f.kernel.RtlGetElementGenericTable(f.table, -1) == nil)
        f.kernel.RtlDeleteElementGenericTable(f.table, 2)
        #expect((0..<3).map { f.kernel.RtlGetElementGenericTable(f.table, $0)?.storage } == [5, 9, 1])
        // The root is still 1 (the last insert): the enumeration continues after 1.
        #expect(f.kernel.RtlEnumerateGenericTable(f.table, true)?.storage == 1)
        _ = f.kernel.RtlGetElementGenericTable(f.table, 2)
        #expect(f.kernel.RtlEnumerateGenericTable(f.table, false)?.storage == 5)
    }

    @Test func everyDeletedElementIsFreedOnce() {
        for n in 1...10 {
            for (name, order) in Self.orders(n) {
                let f = Fixture()
                let blocks = f.insert(order)
                let left = f.clearAllByEnumerating()
                #expect(!f.kernel.RtlDeleteElementGenericTable(f.table, 0), "absent key")
                for key in left { #expect(f.kernel.RtlDeleteElementGenericTable(f.table, key)) }
                #expect(!f.kernel.RtlDeleteElementGenericTable(f.table, 1), "already deleted")
                #expect(f.kernel.RtlNumberGenericTableElements(f.table) == 0)
                #expect(f.freed.count == n && f.freed.values.allSatisfy { $0 == 1 }, "\(name) n=\(n): \(f.freed)")
                #expect(blocks.allSatisfy { $0.isFreed })
            }
        }
    }

    @Test func theTablesOwnWalksReportNoPoolAccesses() {
        let (scheduler, kernel, recorder) = world()
        var left = -1
        scheduler.spawn("driver", role: .test) {
            let table = kernel.RtlInitializeGenericTable(
                { (a: Int, b: Int) in a < b ? -1 : a > b ? 1 : 0 },
                { kernel.ExAllocatePoolWithTag(.NonPagedPoolNx, 8, 0x7447_7354, contents: $0) },
                { kernel.ExFreePoolWithTag($0, 0x7447_7354) })
            for k in [4, 2, 6, 1, 3, 5, 7] { _ = kernel.RtlInsertElementGenericTable(table, k) }
            _ = kernel.RtlLookupElementGenericTable(table, 3)
            var p = kernel.RtlEnumerateGenericTable(table, true)
            while let e = p {
                kernel.RtlDeleteElementGenericTable(table, e.storage)
                p = kernel.RtlEnumerateGenericTable(table, false)
            }
            left = kernel.RtlNumberGenericTableElements(table)
        }
        #expect(scheduler.run() == .quiescent)
        #expect(left > 0)
        #expect(recorder.count(.poolAccess) == 0)
        #expect(recorder.count(.poolAllocate) == 7)
        #expect(recorder.count(.poolFree) == 7 - left)
    }
}

