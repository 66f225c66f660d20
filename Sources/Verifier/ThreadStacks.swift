/// A stack per simulated thread (the callbacks it is inside, the spin locks it holds), kept
/// in one flat array: a run has dozens of threads but only a handful of entries at a time,
/// so one buffer for all of them costs one allocation per run, not one per thread.
struct ThreadStacks<Element> {
    private var entries: [(thread: Int, element: Element)] = []

    mutating func push(_ element: Element, on thread: Int) {
        entries.append((thread, element))
    }

    /// Thread `thread`'s innermost entry.
    func top(of thread: Int) -> Element? {
        last(of: thread) { _ in true }
    }

    /// Thread `thread`'s innermost entry matching `predicate`.
    func last(of thread: Int, where predicate: (Element) -> Bool) -> Element? {
        for i in entries.indices.reversed() where entries[i].thread == thread && predicate(entries[i].element) { return entries[i].element }
        return nil
    }

    /// Removes and returns thread `thread`'s innermost entry matching `predicate`.
    mutating func removeLast(of thread: Int, where predicate: (Element) -> Bool) -> Element? {
        for i in entries.indices.reversed() where entries[i].thread == thread && predicate(entries[i].element) {
            // Usually the innermost entry of all: popping it moves nothing.
            return i == entries.count - 1 ? entries.removeLast().element : entries.remove(at: i).element
        }
        return nil
    }

    func count(of thread: Int) -> Int {
        var n = 0
        for e in entries where e.thread == thread { n += 1 }
        return n
    }

    func isEmpty(_ thread: Int) -> Bool { top(of: thread) == nil }

    /// Whether any thread's stack holds an entry matching `predicate`.
    func contains(where predicate: (Element) -> Bool) -> Bool {
        entries.contains { predicate($0.element) }
    }

    /// The outermost entry of any thread matching `predicate`, with its thread.
    func first(where predicate: (Int, Element) -> Bool) -> (thread: Int, element: Element)? {
        entries.first { predicate($0.thread, $0.element) }
    }

    /// Thread `thread`'s entries, outermost first.
    func elements(of thread: Int) -> [Element] {
        entries.filter { $0.thread == thread }.map(\.element)
    }
}
