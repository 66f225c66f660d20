#!/usr/bin/env bash
# Robustness of the release ndis-sim as a process: N random command lines (default 2000) and
# M mutated corpus traces through 'replay' (default 20000). Every exit must be 0, 1, 2 or 3,
# and every exit 2 exactly one stderr line of at most 300 characters; no signal, no backtrace.
# Prints the counts per exit code and every offending case; exit 1 if there was one.
set -euo pipefail
usage() {
    echo "usage: Scripts/fuzz-cli.sh [--lines N] [--traces M] [--seed S] [--bin EXE]"
    echo "  release build (unless --bin), then N random command lines (default 2000) and M mutated"
    echo "  corpus traces (default 20000); checks exit codes 0-3 and one-line refusals of <= 300 chars"
}
lines=2000 traces=20000 seed=2026 bin=""
while [[ $# -gt 0 ]]; do
    case $1 in
        --help|-h) usage; exit 0 ;;
        --lines|--traces|--seed|--bin)
            [[ $# -ge 2 ]] || { echo "fuzz-cli.sh: '$1' needs a value (see --help)" >&2; exit 2; }
            case $1 in --lines) lines=$2 ;; --traces) traces=$2 ;; --seed) seed=$2 ;; --bin) bin=$2 ;; esac
            shift 2 ;;
        *) echo "fuzz-cli.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done
for n in "$lines" "$traces" "$seed"; do [[ $n =~ ^[0-9]+$ ]] || { echo "fuzz-cli.sh: '$n' is not a number" >&2; exit 2; }; done
cd "$(dirname "$0")/.."
if [[ -z $bin ]]; then swift build -c release >/dev/null; bin=$PWD/.build/release/ndis-sim; fi
[[ -x $bin ]] || { echo "fuzz-cli.sh: '$bin' is not an executable" >&2; exit 2; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
exec python3 - "$bin" "$lines" "$traces" "$seed" <<'PY'
import os, random, subprocess, sys, tempfile, concurrent.futures as cf
binary, n_lines, n_traces, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(seed)
corpus = sorted(os.path.join(os.getcwd(), "Corpus/traces", f) for f in os.listdir("Corpus/traces") if f.endswith(".trace"))
tmp = tempfile.mkdtemp(prefix="fuzz-cli-")
fifo = os.path.join(tmp, "fifo"); os.mkfifo(fifo)
os.symlink(os.path.join(tmp, "target"), os.path.join(tmp, "link"))
os.mkdir(os.path.join(tmp, "dir"))
drivers = ["reference", "npcap-2016", "npcap-2016-first-fix", "npcap-rx-inject-2016", "canary-st-08", "canary-snd-07"]
scenarios = ["adapter-disable-during-send", "rx-inject", "close-during-write", "ioctl-during-disable", "two-adapters-one-disabled"]
junk = ["", "-", "--", "=", "x" * 1000, "\u00e9\u4e2d\U0001F600", "a\nb", "\t", "-1", "99999999999999999999999", "0", "1..", "..", "%s%n", "../../etc/passwd"]
outputs = [os.path.join(tmp, "out.html"), os.path.join(tmp, "out.trace"), "/dev/null", "/dev/full", fifo, os.path.join(tmp, "link"),
           os.path.join(tmp, "dir"), "/no/such/dir/x", os.path.join(tmp, "dir", "new.html")]
inputs = corpus[:6] + ["/no/such.trace", os.path.join(tmp, "dir"), "/dev/null", "-"]

def near(name):
    s = list(name)
    if not s: return "x"
    i = rng.randrange(len(s)); op = rng.randrange(3)
    if op == 0: s[i] = rng.choice("abcdefghijklmnopqrstuvwxyz-")
    elif op == 1: del s[i]
    else: s.insert(i, rng.choice("abcdefghijklmnopqrstuvwxyz"))
    return "".join(s)

def small_seeds():
    a = rng.choice([0, 1, 2, 7, 100, 18446744073709551610])
    return rng.choice([f"{a}..{a + rng.randrange(4)}", str(a + rng.randrange(3))])

def value(flag):
    r = rng.random()
    if r < 0.12: return rng.choice(junk)
    if flag in ("--driver",): return rng.choice(drivers + [near(rng.choice(drivers))])
    if flag == "--stack": return ",".join(rng.choice(drivers) for _ in range(rng.randrange(1, 4)))
    if flag == "--scenario": return rng.choice(scenarios + [near(rng.choice(scenarios))])
    if flag == "--strategy": return rng.choice(["random", "pct", "swarm", "exhaustive", "rnadom"])
    if flag in ("--seeds", "--seed"): return small_seeds() if flag == "--seeds" or rng.random() < 0.5 else str(rng.randrange(20))
    if flag in ("--depth", "--preemptions", "--bases", "--max-failures"): return str(rng.choice([0, 1, 2, 3, 21, 11, 101]))
    if flag == "--max-steps": return str(rng.choice([1, 10, 500, 100000001]))
    if flag == "--max-schedules": return str(rng.choice([1, 10, 200]))
    if flag == "--seed-timeout": return rng.choice(["0", "5", "-1", "86401", "x"])
    if flag == "--shard": return rng.choice(["1/2", "2/2", "3/2", "0/1", "1/0", "x"])
    if flag == "--option": return rng.choice(["late-send-percent=50", "late-send-percent=101", "late-send-percnt=3", "nope", "inline-send-completion-percent=20"])
    if flag in ("--html", "-o", "--trace-events"): return rng.choice(outputs)
    if flag == "--save": return rng.choice([os.path.join(tmp, "save"), os.path.join(tmp, "out.html"), "/dev/null", "/no/such/dir"])
    if flag == "--from": return rng.choice(inputs[:3] + ["/no/such"])
    return rng.choice(junk)

spec = {
    "run": (["--driver", "--stack", "--scenario", "--seed", "--seeds", "--strategy", "--depth", "--max-steps", "--option", "--save", "--preemptions",
             "--max-schedules", "--from", "--max-failures", "--seed-timeout", "--shard"],
            ["--json", "--small", "--coverage", "--no-prune", "--quiet", "--fail-fast", "--keep-going", "--isolate", "--strict"]),
    "coverage": (["--driver", "--scenario", "--seeds", "--strategy", "--depth", "--html", "--max-steps", "--option"], ["--json"]),
    "replay": (["--html", "--trace-events"], ["--timeline", "--json"]),
    "shrink": (["-o"], []),
    "list": ([], ["--json"]),
    "bench": (["--bases", "--driver"], ["--json"]),
}

def command_line():
    cmd = rng.choice(list(spec) + ["help", "--version", "--help", near("run"), rng.choice(junk)])
    if cmd not in spec: return [cmd] + [rng.choice(junk) for _ in range(rng.randrange(2))]
    values, switches = spec[cmd]
    args = [cmd]
    if cmd in ("replay", "shrink"): args.append(rng.choice(inputs))
    for _ in range(rng.randrange(5)):
        r = rng.random()
        if r < 0.55 and values:
            f = rng.choice(values); v = value(f)
            args += [f + "=" + v] if rng.random() < 0.3 else [f, v]
        elif r < 0.8 and switches: args.append(rng.choice(switches))
        elif r < 0.9: args.append("--" + near(rng.choice(values + switches or ["--json"])[2:]))
        else: args.append(rng.choice(junk))
    # Keep every run short: a few seeds, the smallest exhaustive searches, a quick bench.
    if cmd in ("run", "coverage") and not any(a.startswith("--seed") for a in args): args += ["--seeds", small_seeds()]
    if cmd == "run" and "exhaustive" in args: args += ["--max-schedules", "300"]
    if cmd == "bench": args += ["--quick", "--seeds", "20"]
    if cmd == "run" and "--save" in " ".join(args): args += ["--max-failures", "2"]
    return args

def mutate(data):
    b = bytearray(data)
    kind = rng.randrange(6)
    if kind == 0: return bytes(b[:rng.randrange(len(b))])
    if kind == 1:
        ls = bytes(b).split(b"\n"); i = rng.randrange(len(ls))
        if rng.random() < 0.5: del ls[i]
        else: ls.insert(i, ls[i])
        return b"\n".join(ls)
    if kind == 2: return bytes(b).replace(b"\n", b"\r\n")
    if kind == 3:
        ls = bytes(b).split(b"\n"); i = rng.randrange(len(ls))
        ls[i] = ls[i] + rng.choice([b"x" * 5000, b" 1", b" \xff\xfe", b"\x00", b" 99999999999999999999"])
        return b"\n".join(ls)
    alphabet = b"0123456789 \n\t\rabcdefghijklmnopqrstuvwxyz-._#\x00\xff"
    for _ in range(1 + rng.randrange(6)):
        if not b: break
        i = rng.randrange(len(b)); op = rng.randrange(3)
        if op == 0: b[i] = rng.choice(alphabet)
        elif op == 1: del b[i]
        else: b.insert(i, rng.choice(alphabet))
    return bytes(b)

def run(case):
    args, stdin, stdout_full = case
    out = open("/dev/full", "wb") if stdout_full else subprocess.PIPE
    try:
        p = subprocess.run([binary] + args, stdin=open(stdin, "rb") if stdin else subprocess.DEVNULL, stdout=out, stderr=subprocess.PIPE, timeout=60, cwd=tmp)
    except subprocess.TimeoutExpired:
        return ("timeout", args, "")
    err = p.stderr.decode("utf-8", "replace")
    problem = None
    if p.returncode not in (0, 1, 2, 3): problem = f"exit {p.returncode}"
    elif p.returncode == 2:
        ls = err.split("\n")
        if len(ls) != 2 or ls[1] != "" or len(ls[0]) > 300: problem = f"exit 2 with {len(ls) - 1} stderr line(s), longest {max(map(len, ls))} chars"
    if "Fatal error" in err or "Stack dump" in err: problem = "backtrace"
    return (problem or p.returncode, args, err[:300])

cases = []
for _ in range(n_lines):
    a = command_line()
    cases.append((a, None, rng.random() < 0.05))
sources = [open(f, "rb").read() for f in corpus]
for i in range(n_traces):
    path = os.path.join(tmp, f"t{i % 64}.trace")
    cases.append(("TRACE", mutate(rng.choice(sources)), path))

def go(c):
    if c[0] == "TRACE":
        _, data, path = c
        path = path + f".{os.getpid()}.{rng.random()}"
        open(path, "wb").write(data)
        try: return ("trace",) + run((["replay", path], None, False))
        finally: os.unlink(path)
    return ("line",) + run(c)

counts = {"line": {}, "trace": {}}
bad = []
with cf.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
    for kind, result, args, err in ex.map(go, cases, chunksize=16):
        counts[kind][result] = counts[kind].get(result, 0) + 1
        if not isinstance(result, int): bad.append((kind, result, args, err))
for kind, total in (("line", n_lines), ("trace", n_traces)):
    c = counts[kind]
    print(f"{'command lines' if kind == 'line' else 'mutated traces'}: {total}, exits " + ", ".join(f"{k}: {c[k]}" for k in sorted(c, key=str)))
for kind, result, args, err in bad[:40]:
    print(f"BAD {kind} {result}: {[a[:60] for a in args]} {err.strip()[:200]!r}")
print("ok: every exit 0-3, every exit 2 one line of <= 300 characters" if not bad else f"{len(bad)} bad case(s)")
sys.exit(1 if bad else 0)
PY
