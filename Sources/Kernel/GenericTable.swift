import Simulation

/// `RTL_GENERIC_TABLE` (ntddk.h): an ordered table of caller-defined elements, each in memory
/// the caller's `AllocateRoutine` gives (pool, so a leaked element is a leaked allocation).
/// The caller synchronises every call ("Callers of the Rtl..GenericTable routines are
/// responsible for exclusively synchronizing access"); these are library routines, not
/// preemption points (only the caller's allocate and free routines may be).
///
/// Why a real splay tree: `RtlEnumerateGenericTable(Table, FALSE)` keeps no cursor of its own,
/// it continues from the successor of the tree's root (`TableRoot`), and inserts, lookups that
/// hit, enumeration steps and deletes all move that root. A driver's clear-all loop that
/// deletes each element the enumeration returns therefore skips elements (how many depends on
/// the tree's shape, so on the insertion order and the history of lookups), and the skipped
/// ones stay in the table and leak (seed 004's FlowWatcher). Only the exact algorithm leaves
/// the same elements Windows leaves, so the model follows it link for link:
/// - a bottom-up `RtlSplay` (zig, zig-zig, zig-zag rotations on parent/left/right links);
/// - `RtlDelete`: a node with two children first trades places with its in-order predecessor
///   (the rightmost node of its left subtree); the node, now with at most one child, is
///   unlinked and its child takes its place; then its parent is splayed to the root, except
///   when the unlinked node was the root, whose child becomes the root unsplayed;
/// - `RtlRealSuccessor`: the leftmost node of the right subtree, else the nearest ancestor
///   whose left subtree holds the node;
/// - insert: search down from the root comparing the key with each node, attach a new node as
///   a leaf there, splay it; an equal key splays the existing node and allocates nothing;
/// - lookup: a hit splays the node found; a miss changes nothing;
/// - delete: the same search, no splay of its own, then `RtlDelete`;
/// - enumerate: `Restart` splays the leftmost node and returns it; otherwise the real
///   successor of the root, splayed, or nil (the root stays) when the root has none.
/// Sources: ReactOS `sdk/lib/rtl/generictable.c` and `sdk/lib/rtl/splaytree.c`, wine
/// `dlls/ntdll/rtl.c`, and decompiled Windows ntdll/ntoskrnl, which agree on all of the above
/// (wine alone does not splay on inserting an existing key; Windows and ReactOS do).
///
/// `RtlGetElementGenericTable` walks Windows' `InsertOrderList` (new elements go on its tail,
/// deletes unlink them): its `I` counts insertion order, not key order ("returns the Ith element
/// inserted", ntddk.h docs), and it neither compares nor splays.
///
/// The compare routine is called the way Windows calls it, `(key, element in the table)`, on
/// the blocks' `storage`: the table's own walks are not driver accesses to the pool.
public final class RTL_GENERIC_TABLE<Element> {
    /// `RTL_GENERIC_COMPARE_ROUTINE`: negative, zero or positive, as `a` sorts before, with or after `b`.
    public typealias CompareRoutine = (Element, Element) -> Int
    /// `RTL_GENERIC_ALLOCATE_ROUTINE`: memory for a new element holding `element`, or nil.
    public typealias AllocateRoutine = (Element) -> PoolBlock<Element>?
    /// `RTL_GENERIC_FREE_ROUTINE`
    public typealias FreeRoutine = (PoolBlock<Element>) -> Void

    /// `RTL_SPLAY_LINKS` and the element they carry. The parent link is nil at the root (where
    /// Windows points the root at itself). Children are owned; the parent link is not.
    final class Node {
        @exclusivity(unchecked) var block: PoolBlock<Element>
        @exclusivity(unchecked) unowned(unsafe) var parent: Node?
        @exclusivity(unchecked) var left: Node?
        @exclusivity(unchecked) var right: Node?

        init(_ block: PoolBlock<Element>) { self.block = block }

        var isRoot: Bool { parent == nil }
        var isLeftChild: Bool { parent.map { $0.left === self } ?? false }
        var isRightChild: Bool { parent.map { $0.right === self } ?? false }
    }

    /// Where a search down from the root stopped (`TABLE_SEARCH_RESULT` and `NodeOrParent`).
    enum SearchResult {
        case emptyTree
        case found(Node)
        case insertAsLeft(Node)
        case insertAsRight(Node)
    }

    let compare: CompareRoutine
    let allocate: AllocateRoutine
    let free: FreeRoutine
    /// `TableRoot`
    @exclusivity(unchecked) var root: Node?
    /// `InsertOrderList`: the elements in the order they were inserted.
    @exclusivity(unchecked) var insertOrder: [PoolBlock<Element>] = []

    public init(compare: @escaping CompareRoutine, allocate: @escaping AllocateRoutine, free: @escaping FreeRoutine) {
        self.compare = compare
        self.allocate = allocate
        self.free = free
    }

    // MARK: The search (FindNodeOrParent)

    /// Down from the root: left while the key sorts before the node, right while after.
    func find(_ key: Element) -> SearchResult {
        guard var node = root else { return .emptyTree }
        while true {
            let c = compare(key, node.block.storage)
            if c < 0 {
                guard let next = node.left else { return .insertAsLeft(node) }
                node = next
            } else if c > 0 {
                guard let next = node.right else { return .insertAsRight(node) }
                node = next
            } else {
                return .found(node)
            }
        }
    }

    // MARK: Splay links (RtlSplay, RtlDelete, RtlSubtreePredecessor, RtlRealSuccessor)

    /// One rotation that lifts `x` above its parent, keeping the in-order sequence.
    static func rotateUp(_ x: Node) {
        guard let p = x.parent else { return }
        let g = p.parent
        if p.left === x {
            p.left = x.right
            p.left?.parent = p
            x.right = p
        } else {
            p.right = x.left
            p.right?.parent = p
            x.left = p
        }
        p.parent = x
        x.parent = g
        if let g {
            if g.left === p { g.left = x } else { g.right = x }
        }
    }

    /// `RtlSplay`: rotates `x` to the root and returns it. A parent at the root: one rotation
    /// (zig). A node on the same side of its parent as the parent of the grandparent: the
    /// parent first, then the node (zig-zig). On opposite sides: the node twice (zig-zag).
    static func splay(_ x: Node) -> Node {
        while let p = x.parent {
            if p.isRoot {
                rotateUp(x)
            } else if x.isLeftChild == p.isLeftChild {
                rotateUp(p)
                rotateUp(x)
            } else {
                rotateUp(x)
                rotateUp(x)
            }
        }
        return x
    }

    /// `RtlSubtreePredecessor`: the rightmost node of the left subtree.
    static func subtreePredecessor(_ n: Node) -> Node? {
        guard var c = n.left else { return nil }
        while let r = c.right { c = r }
        return c
    }

    /// `RtlRealSuccessor`: the next node in key order, or nil.
    static func realSuccessor(_ n: Node) -> Node? {
        if var c = n.right {
            while let l = c.left { c = l }
            return c
        }
        var c = n
        while c.isRightChild, let p = c.parent { c = p }
        return c.isLeftChild ? c.parent : nil
    }

    /// `RtlDelete`: unlinks the node holding `n`'s element and returns the new root (nil when
    /// the tree is now empty). With two children, Windows swaps the node's links with its
    /// subtree predecessor's; exchanging the two nodes' elements instead gives the same shape.
    static func delete(_ n: Node) -> Node? {
        var target = n
        if n.left != nil && n.right != nil, let sp = subtreePredecessor(n) {
            swap(&n.block, &sp.block)
            target = sp
        }
        let child = target.left ?? target.right
        guard let p = target.parent else {
            // The root goes: its only child (if any) is the new root, not splayed.
            child?.parent = nil
            target.left = nil
            target.right = nil
            return child
        }
        if p.left === target { p.left = child } else { p.right = child }
        child?.parent = p
        target.parent = nil
        target.left = nil
        target.right = nil
        return splay(p)
    }

    /// The leftmost node, or nil when empty.
    var leftmost: Node? {
        guard var n = root else { return nil }
        while let l = n.left { n = l }
        return n
    }
}

extension Kernel {
    /// `RtlInitializeGenericTable`
    public func RtlInitializeGenericTable<Element>(_ compare: @escaping RTL_GENERIC_TABLE<Element>.CompareRoutine,
                                                   _ allocate: @escaping RTL_GENERIC_TABLE<Element>.AllocateRoutine,
                                                   _ free: @escaping RTL_GENERIC_TABLE<Element>.FreeRoutine) -> RTL_GENERIC_TABLE<Element> {
        RTL_GENERIC_TABLE(compare: compare, allocate: allocate, free: free)
    }

    /// `RtlInsertElementGenericTable`: a copy of `element` in a new allocation, or the element
    /// already there with an equal key (`NewElement` false); nil when the allocation failed.
    /// Either way the element returned is splayed to the root; a failed allocation splays nothing.
    public func RtlInsertElementGenericTable<Element>(_ Table: RTL_GENERIC_TABLE<Element>, _ element: Element) -> (element: PoolBlock<Element>?, NewElement: Bool) {
        typealias Node = RTL_GENERIC_TABLE<Element>.Node
        let result = Table.find(element)
        if case .found(let node) = result {
            Table.root = RTL_GENERIC_TABLE.splay(node)
            return (node.block, false)
        }
        guard let block = Table.allocate(element) else { return (nil, false) }
        let node = Node(block)
        Table.insertOrder.append(block)
        switch result {
        case .emptyTree, .found:
            Table.root = node
        case .insertAsLeft(let parent):
            parent.left = node
            node.parent = parent
        case .insertAsRight(let parent):
            parent.right = node
            node.parent = parent
        }
        Table.root = RTL_GENERIC_TABLE.splay(node)
        return (block, true)
    }

    /// `RtlLookupElementGenericTable`: the element with `key`'s key, or nil. A hit splays it to
    /// the root; a miss leaves the tree as it was.
    public func RtlLookupElementGenericTable<Element>(_ Table: RTL_GENERIC_TABLE<Element>, _ key: Element) -> PoolBlock<Element>? {
        guard case .found(let node) = Table.find(key) else { return nil }
        Table.root = RTL_GENERIC_TABLE.splay(node)
        return node.block
    }

    /// `RtlDeleteElementGenericTable`: removes the element with `key`'s key (`RtlDelete`, which
    /// splays the removed node's parent to the root) and frees it with the `FreeRoutine`.
    @discardableResult
    public func RtlDeleteElementGenericTable<Element>(_ Table: RTL_GENERIC_TABLE<Element>, _ key: Element) -> Bool {
        guard case .found(let node) = Table.find(key) else { return false }
        let block = node.block
        Table.root = RTL_GENERIC_TABLE.delete(node)
        if let i = Table.insertOrder.firstIndex(where: { $0 === block }) { Table.insertOrder.remove(at: i) }
        Table.free(block)
        return true
    }

    /// `RtlEnumerateGenericTable`: with `Restart` the first element in key order; otherwise the
    /// successor of the tree's root (not of the element returned last). Either becomes the
    /// root. Nil when the table is empty or the root has no successor.
    public func RtlEnumerateGenericTable<Element>(_ Table: RTL_GENERIC_TABLE<Element>, _ Restart: Bool) -> PoolBlock<Element>? {
        guard let root = Table.root else { return nil }
        let found = Restart ? Table.leftmost : RTL_GENERIC_TABLE.realSuccessor(root)
        guard let found else { return nil }
        Table.root = RTL_GENERIC_TABLE.splay(found)
        return found.block
    }

    /// `RtlGetElementGenericTable`: the `I`-th element still in the table in insertion order,
    /// or nil. Does not splay.
    public func RtlGetElementGenericTable<Element>(_ Table: RTL_GENERIC_TABLE<Element>, _ I: Int) -> PoolBlock<Element>? {
        I >= 0 && I < Table.insertOrder.count ? Table.insertOrder[I] : nil
    }

    /// `RtlNumberGenericTableElements`
    public func RtlNumberGenericTableElements<Element>(_ Table: RTL_GENERIC_TABLE<Element>) -> Int { Table.insertOrder.count }
}
