import Simulation

/// A driver's own fault: what its code would have crashed on, or checked and stopped for.
/// A failed `ASSERT`, a NULL (or freed) pointer it is about to dereference, a
/// `KeBugCheckEx`. Each is reported as an event (a checker turns it into a violation with
/// its bug check) and then stops the run, with or without a checker: Windows stops there too.
extension Kernel {
    /// `ASSERT(condition)` (`NT_ASSERT`): on a checked build a failed assertion stops the
    /// system. `expression` is what the report prints.
    public func ASSERT(_ condition: @autoclosure () -> Bool, _ expression: String, file: StaticString = #fileID, line: UInt = #line) {
        if condition() { return }
        ASSERT(false, expression, at: "\(file):\(line)")
    }

    /// The same, with the place as text: a C driver's file and line.
    public func ASSERT(_ condition: Bool, _ expression: String, at location: String) {
        if condition { return }
        emit(.assertionFailed, .call, object: -1, result: noteText("\(expression) (\(location))"))
        stop()
    }

    /// `KeBugCheckEx`: never returns.
    public func KeBugCheckEx(_ BugCheckCode: UInt32, _ P1: UInt64 = 0, _ P2: UInt64 = 0, _ P3: UInt64 = 0, _ P4: UInt64 = 0) -> Never {
        let text = [P1, P2, P3, P4].map { "0x" + String($0, radix: 16) }.joined(separator: ", ")
        emit(.bugCheck, .call, object: -1, detail: Int(BugCheckCode), result: noteText(text))
        guard scheduler.current != nil else { preconditionFailure("KeBugCheckEx(0x\(String(BugCheckCode, radix: 16))) outside a simulated thread") }
        scheduler.haltForever()
    }

    /// The driver is about to dereference `pointer`; if it is NULL, that is its crash,
    /// reported as such (`what` names the pointer). Returns the pointer otherwise.
    public func dereference<T>(_ pointer: T?, _ what: String) -> T? {
        if pointer != nil { return pointer }
        emit(.nullDereference, .call, object: -1, result: noteText(what))
        stop()
        return nil
    }

    /// Stops the run at the fault. The thread resumes only to unwind once the result has been
    /// read (`Scheduler.unwind`): the fault then returns and the driver goes on, unjudged.
    private func stop() {
        guard scheduler.current != nil else { return }
        scheduler.halt()
    }
}
