import Foundation
import NDISSim
import Testing

/// A C driver's own sources, built by Scripts/c-driver.sh into a library and run by name, as a
/// user does: the same verdicts and digest as the same source linked in, its globals fresh for
/// every run, bad inputs refused with one line and exit 2.
@Suite struct CDriverLibraryTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let script = repo.appendingPathComponent("Scripts/c-driver.sh")

    /// Builds `sources` with the script into a fresh directory; the library's path.
    static func build(_ sources: [URL], defines: [String] = [], asan: Bool = false) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ndis-sim-c-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for s in sources { try FileManager.default.copyItem(at: s, to: dir.appendingPathComponent(s.lastPathComponent)) }
        let out = dir.appendingPathComponent("driver.so").path
        let r = try CLI.run(URL(fileURLWithPath: "/bin/bash"), [script.path] + (asan ? ["--asan"] : []) + defines.flatMap { ["-D", $0] } + ["-o", out, dir.path])
        #expect(r.status == 0, "c-driver.sh failed: \(r.stderr)")
        return out
    }

    static let passthru = repo.appendingPathComponent("Sources/CDriverSources/c_passthru.c")
    static let header = repo.appendingPathComponent("Sources/CDriverSources/include/cdrivers.h")
    static let reference = repo.appendingPathComponent("Sources/CDriverSources/c_reference.c")

    @Test func aDriverBuiltFromItsSourcesRunsAsTheSameSourceLinkedIn() throws {
        let lib = try Self.build([Self.passthru, Self.header], defines: ["CSIM_STANDALONE"])
        let a = try Campaign(driver: lib).run(seeds: 1...150)
        let b = try Campaign(driver: "c-passthru").run(seeds: 1...150)
        #expect(a.failureCount == 0, "\(a.summary)")
        #expect(a.digest == b.digest, "the library and the linked-in source run the same schedules")
    }

    @Test func eachRunLoadsTheDriverAfreshSoItsGlobalsStartOver() throws {
        // A driver that misbehaves from its second load on, if its globals survived a run.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ndis-sim-c-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let source = dir.appendingPathComponent("counting.c")
        try """
        static int Loads;
        #define CSIM_ON_LOAD (++Loads)
        #define CANARY_ST04_WHEN (Loads > 1)
        #include "\(Self.passthru.path)"
        """.write(to: source, atomically: true, encoding: .utf8)
        let lib = try Self.build([source, Self.header], defines: ["CSIM_STANDALONE"])
        let r = try Campaign(driver: lib).run(seeds: 1...30)
        #expect(r.failureCount == 0, "a global carried over from an earlier run: \(r.summary)")
    }

    /// The AddressSanitizer lane: an NBL the driver handed NDIS is poisoned until it comes back, so
    /// a plain field read of it (which the bridge cannot see: no NDIS call, no accessor macro)
    /// stops at its C line, with the C stack; the correct driver runs clean under the sanitizer.
    @Test func underAddressSanitizerAPlainReadOfAHandedAwayNBLStopsAtItsLine() throws {
        let bash = URL(fileURLWithPath: "/bin/bash")
        let runtime = try CLI.run(bash, [Self.script.path, "--print-asan-runtime"])
        try #require(runtime.status == 0, "no AddressSanitizer runtime: \(runtime.stderr)")
        let env = ["LD_PRELOAD": runtime.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "ASAN_OPTIONS": "detect_leaks=0:abort_on_error=1"]
        let args = ["--scenario", "adapter-disable-during-send", "--option", "inline-completion-percent=0", "--isolate"]

        let flawed = try Self.build([Self.reference, Self.header], defines: ["CSIM_STANDALONE", "CANARY_SND03_PLAIN"], asan: true)
        let caught = try CLI.run(CLI.binary, ["run", "--driver", flawed, "--seeds", "1..3"] + args, environment: env)
        // Each seed's child died at the read; the campaign names why, and where.
        #expect(caught.stdout.contains("3 crashed"), "\(caught.stdout)")
        #expect(caught.stdout.contains("AddressSanitizer: use-after-poison (READ of size 4) in RefDispatchWrite /"), "\(caught.stdout)")
        #expect(caught.stdout.contains("/c_reference.c:"), "the faulting C line, in the user's own copy of the source")

        let clean = try Self.build([Self.reference, Self.header], defines: ["CSIM_STANDALONE"], asan: true)
        let ran = try CLI.run(CLI.binary, ["run", "--driver", clean, "--seeds", "1..20"] + args, environment: env)
        #expect(ran.status == 0, "\(ran.stdout) \(ran.stderr.prefix(2000))")

        // The frame's bytes too: a pointer into a received frame read after passing it up.
        let receive = ["--scenario", "rx-inject", "--option", "inline-return-percent=0", "--isolate"]
        let reader = try Self.build([Self.passthru, Self.header], defines: ["CSIM_STANDALONE", "CSIM_READ_AFTER_INDICATE"], asan: true)
        let read = try CLI.run(CLI.binary, ["run", "--driver", reader, "--seeds", "1..3"] + receive, environment: env)
        #expect(read.stdout.contains("AddressSanitizer: use-after-poison (READ of size 1) in Passthru_ReceiveNetBufferLists /"), "\(read.stdout)")
        // And a filter that reads every frame's bytes while it holds them is clean under it.
        let inspector = try Self.build([Self.passthru, Self.header], defines: ["CSIM_STANDALONE", "DBG=1"], asan: true)
        let inspected = try CLI.run(CLI.binary, ["run", "--driver", inspector, "--seeds", "1..40"] + receive, environment: env)
        #expect(inspected.status == 0, "\(inspected.stdout) \(inspected.stderr.prefix(2000))")
    }

    /// NET_BUFFERs and MDLs from C: the frame header NdisGetDataBuffer gives (in place, or copied
    /// when it spans MDLs) is the one the checked build gathers walking the MDL chain itself, over
    /// frames split across MDLs at any offsets with unused space before them; a byte the driver
    /// writes into a frame NDIS lent it reaches the model, which judges it.
    @Test func aCFilterReadsFrameBytesAcrossMdlsAndItsWritesAreJudged() throws {
        let checked = try Self.build([Self.passthru, Self.header], defines: ["CSIM_STANDALONE", "DBG=1"])
        for scenario in ["rx-inject", "rx-inject-disable"] {
            let r = try Campaign(driver: checked, scenario: scenario).run(seeds: 1...150)
            #expect(r.failureCount == 0 && r.warningSeeds == 0, "\(r.summary)")
        }
        let writer = try Self.build([Self.passthru, Self.header], defines: ["CSIM_STANDALONE", "CSIM_WRITES_RECEIVED_BYTES"])
        var campaign = try Campaign(driver: writer, scenario: "rx-inject")
        campaign.options.strict = true
        let r = campaign.run(seeds: 1...10)
        let v = try #require(r.failures.first?.violation)
        #expect(v.kind.name == "wrote-pass-through-bytes")
        #expect(v.source.hasPrefix("c_passthru.c:") && v.source.hasSuffix("in Passthru_ReceiveNetBufferLists"), "seen where the frame is handed on: \(v.source)")
    }

    /// c_reference.c's checked build asserts what its writes complete with (a write that sent
    /// every frame succeeded), and that it stays clean.
    @Test func theCReferencesWritesSucceedWhenEveryFrameWentOut() throws {
        let checked = try Self.build([Self.reference, Self.header], defines: ["CSIM_STANDALONE", "DBG=1"])
        for scenario in ["adapter-disable-during-send", "rx-inject"] {
            let r = try Campaign(driver: checked, scenario: scenario).run(seeds: 1...100)
            #expect(r.failureCount == 0, "\(r.failures.first.map { "\($0.violation.kind.name): \($0.violation.message) at \($0.violation.source)" } ?? "")")
        }
    }

    /// NDIS timers and work items from C: a one-shot timer set in DriverEntry fires on another CPU,
    /// its callback queues a work item, and the work item's routine runs (its DbgBreakPoint is
    /// reported at its C line); cancelled before it fires, nothing runs.
    @Test func aCTimerFiresAndItsWorkItemRuns() throws {
        let dir = CLI.temporaryDirectory()
        let source = dir.appendingPathComponent("timed.c")
        try """
        #include <ndis.h>
        static NDIS_HANDLE Timer, Item;
        static VOID Work(PVOID Context, NDIS_HANDLE WorkItem) { (void)Context; (void)WorkItem; DbgBreakPoint(); }
        static VOID Fired(PVOID S1, PVOID Context, PVOID S2, PVOID S3) { (void)S1; (void)S2; (void)S3; NdisQueueIoWorkItem(Item, Work, Context); }
        static VOID Arm(void) {
            NDIS_TIMER_CHARACTERISTICS Characteristics;
            NdisZeroMemory(&Characteristics, sizeof(Characteristics));
            Characteristics.Header.Type = NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS;
            Characteristics.AllocationTag = 0x54696d54;
            Characteristics.TimerFunction = Fired;
            NdisAllocateTimerObject(NULL, &Characteristics, &Timer);
            Item = NdisAllocateIoWorkItem(NULL);
            LARGE_INTEGER Due;
            Due.QuadPart = -1000; /* 100 us from now, well within the run */
            NdisSetTimerObject(Timer, Due, 0, NULL);
        #if CANCEL
            NdisCancelTimerObject(Timer);
        #endif
        }
        #define CSIM_ON_LOAD Arm()
        #include "\(Self.passthru.path)"
        """.write(to: source, atomically: true, encoding: .utf8)
        let fires = try Self.build([source, Self.header], defines: ["CSIM_STANDALONE"])
        let r = try Campaign(driver: fires).run(seeds: 1...5)
        let v = try #require(r.failures.first?.violation)
        #expect(v.message.contains("DbgBreakPoint"), "\(v.message)")
        #expect(v.source.hasPrefix("timed.c:") && v.source.hasSuffix("in Work"), "\(v.source)")
        let cancelled = try Self.build([source, Self.header], defines: ["CSIM_STANDALONE", "CANCEL=1"])
        #expect(try Campaign(driver: cancelled).run(seeds: 1...5).failureCount == 0)
    }

    /// The rest of the kernel a C filter reaches for: moving a NET_BUFFER's data start back and
    /// forth (the C NET_BUFFER follows), KeGetCurrentIrql, and ExAllocatePool2/ExFreePoolWithTag;
    /// freeing pool memory twice is the driver's crash.
    @Test func aCFilterMovesDataStartsAndUsesThePool() throws {
        let probe = try Self.build([Self.passthru, Self.header], defines: ["CSIM_STANDALONE", "DBG=1", "CSIM_PROBE_DATA_START=1"])
        let r = try Campaign(driver: probe, scenario: "rx-inject").run(seeds: 1...60)
        #expect(r.failureCount == 0, "\(r.failures.first.map { "\($0.violation.kind.name): \($0.violation.message) at \($0.violation.source)" } ?? "")")
        let twice = try Self.build([Self.passthru, Self.header], defines: ["CSIM_STANDALONE", "CSIM_PROBE_DATA_START=2"])
        let v = try #require(try Campaign(driver: twice, scenario: "rx-inject").run(seeds: 1...10).failures.first?.violation)
        #expect(v.message.contains("ExFreePoolWithTag") && v.source.hasPrefix("c_passthru.c:"), "\(v.kind.name): \(v.message) at \(v.source)")
    }

    /// The same seeds give the same digest in two processes, and the same as in this one.
    @Test func aCDriversDigestIsTheSameInAnyProcess() throws {
        let args = ["run", "--driver", "c-reference", "--scenario", "rx-inject-disable", "--seeds", "1..60", "--quiet"]
        let a = try CLI.run(args), b = try CLI.run(args)
        let digest = { (r: CLI.Result) in r.stdout.components(separatedBy: "digest ").last?.prefix(16).description ?? "" }
        #expect(a.status == 0 && !digest(a).isEmpty, "\(a.stdout) \(a.stderr)")
        #expect(digest(a) == digest(b))
        let here = try Campaign(driver: "c-reference", scenario: "rx-inject-disable").run(seeds: 1...60)
        #expect(digest(a) == here.digestHex, "the command line and the library run the same schedules")
    }

    @Test func aLibraryThatIsNotADriverIsRefusedWithOneLine() throws {
        let r = try CLI.run(["run", "--driver", "/nonexistent/driver.so"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("cannot load the C driver") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        // A library built against another import list (the table is filled by position).
        let dir = CLI.temporaryDirectory()
        let stale = dir.appendingPathComponent("stale.c")
        try """
        void csim_bind(const void *Table) { (void)Table; }
        const char csim_import_names[] = "NdisFRegisterFilterDriver,";
        int DriverEntry(void *DriverObject, void *RegistryPath) { (void)DriverObject; (void)RegistryPath; return 0; }
        """.write(to: stale, atomically: true, encoding: .utf8)
        let lib = dir.appendingPathComponent("stale.so").path
        let cc = try CLI.run(URL(fileURLWithPath: "/bin/bash"), ["-c", "clang -shared -fPIC -o '\(lib)' '\(stale.path)'"])
        try #require(cc.status == 0, "\(cc.stderr)")
        let refused = try CLI.run(["run", "--driver", lib])
        #expect(refused.status == 2 && refused.stderr.contains("built against another version of ndis-sim's ndis.h"), "\(refused.stderr)")
        // A driver whose DriverEntry fails: NDIS would not load it.
        let failing = dir.appendingPathComponent("failing.c")
        try "#include <ndis.h>\nNTSTATUS DriverEntry(PDRIVER_OBJECT D, PUNICODE_STRING R) { (void)D; (void)R; return STATUS_INSUFFICIENT_RESOURCES; }\n"
            .write(to: failing, atomically: true, encoding: .utf8)
        let failingLib = try Self.build([failing])
        let notLoaded = try CLI.run(["run", "--driver", failingLib])
        #expect(notLoaded.status == 2 && notLoaded.stderr.contains("its DriverEntry returned 0xC000009A: NDIS would not load this filter driver")
                && notLoaded.stderr.split(separator: "\n").count == 1, "\(notLoaded.stderr)")
        let usage = try CLI.run(URL(fileURLWithPath: "/bin/bash"), [Self.script.path, "-o", "x.dylib", "/tmp"])
        #expect(usage.status == 2 && usage.stderr.contains("must end in .so"), "\(usage.stderr)")
    }
}
