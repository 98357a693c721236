"""Benchmark cx-audit against the analyst's pandas script and grep, over the same data, in one run.

    python bench/run.py -n 20000                 # generates bench/data/es-20000.* if missing
    python bench/run.py -n 20000 --workers 1,2 --skip pandas
    python bench/run.py -n 20000 --skip pandas --baseline /tmp/before/src   # before/after, same run
    python bench/run.py -n 20000 --skip pandas,grep --workers 1 --matchers pyahocorasick,python

Every approach runs as its own process; the script measures its wall time and its peak memory
(the resident set of the whole process tree, sampled from /proc every 10 ms, and the largest
single process from wait4's rusage), and prints a markdown table:

- cx-audit, end to end: `cx-audit score DATA -r es -f csv -o OUT` (load, score, write CSV), for
  JSONL and CSV input, each --workers count and each phrase matcher (CX_AUDIT_MATCHER) asked for;
- the analyst's baseline: pandas `read_csv`, fold the text, one `str.contains` per rule over the
  table of turns (speaker-filtered), `groupby(conversation).any()`, write CSV;
- the floor: `LC_ALL=C grep -c -F -f phrases` over the normalised text (one folded turn per
  line, prepared beforehand and not timed), all the ruleset's phrases as fixed strings.

Conversations/s count conversations of the corpus; MB/s is the size of the file the approach
reads (the folded text is smaller than the JSONL/CSV it came from).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "src"))
PYTHON = sys.executable


# ---- measuring a child process ---------------------------------------------------------------


def _tree_rss(pid: int) -> int:
    """Resident bytes of `pid` and all its descendants, from /proc (0 when it is gone)."""
    total = 0
    stack = [pid]
    page = os.sysconf("SC_PAGE_SIZE")
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * page
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    stack.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            continue
    return total


def measure(cmd: list[str], env: dict | None = None, stdout=subprocess.DEVNULL) -> dict:
    """Run `cmd`; return seconds, peak tree RSS (MB), peak single-process RSS (MB), exit code."""
    began = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=stdout, stderr=subprocess.PIPE)
    peak = [0]
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(proc.pid))
            done.wait(0.01)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    err = proc.stderr.read() if proc.stderr else b""
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - began
    done.set()
    watcher.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "seconds": seconds,
        "tree_mb": peak[0] / 2**20,
        "max_mb": usage.ru_maxrss / 1024,  # kilobytes on Linux
        "code": proc.returncode,
        "stderr": err.decode("utf-8", "replace"),
    }


# ---- data ------------------------------------------------------------------------------------


def ensure_corpus(prefix: str, n: int, lang: str) -> None:
    if os.path.exists(prefix + ".jsonl") and os.path.exists(prefix + ".csv"):
        return
    print(f"generating {n} conversations -> {prefix}.jsonl/.csv", file=sys.stderr)
    subprocess.run([PYTHON, os.path.join(HERE, "generate.py"), "-n", str(n), "--lang", lang, "--out", prefix], check=True)


def ensure_grep_inputs(prefix: str, lang: str) -> tuple[str, str]:
    """The folded text (one turn per line) and the phrases file, made once per corpus."""
    import orjson

    from cx_audit.normalize import fold
    from cx_audit.ruleset import load_ruleset

    text_path, phrases_path = prefix + ".folded.txt", prefix + ".phrases.txt"
    if not os.path.exists(text_path):
        with open(prefix + ".jsonl", "rb") as src, open(text_path, "w", encoding="utf-8") as out:
            for line in src:
                for turn in orjson.loads(line)["turns"]:
                    out.write(fold(turn["text"]) + "\n")
    phrases: set[str] = set()
    for rule in load_ruleset(lang).rules:
        phrases.update(rule.phrases)
        phrases.update(rule.unless)
        if rule.trigger:
            phrases.update(rule.trigger.phrases)
    with open(phrases_path, "w", encoding="utf-8") as out:
        out.write("\n".join(sorted(p for p in (fold(x) for x in phrases) if p)) + "\n")
    return text_path, phrases_path


# ---- the analyst's baseline (run in a child process: --pandas-baseline CSV OUT) --------------


def pandas_baseline(csv_path: str, out_path: str, lang: str) -> None:
    """What an analyst writes: one str.contains per rule over a table of turns."""
    import re

    import pandas as pd

    from cx_audit.ruleset import load_ruleset

    df = pd.read_csv(csv_path, usecols=["conversation_id", "speaker", "text"])
    folded = (
        df["text"].str.lower().str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii")
        .str.replace(r"[^a-z0-9]+", " ", regex=True).str.strip()
    )
    hits = pd.DataFrame({"conversation_id": df["conversation_id"]})
    for rule in load_ruleset(lang).rules:
        phrases = list(rule.phrases) + (list(rule.trigger.phrases) if rule.trigger else [])
        if not phrases:
            continue
        pattern = r"\b(?:" + "|".join(re.escape(p) for p in phrases) + r")\b"
        speakers = rule.trigger.speakers + rule.scope.speakers if rule.trigger else rule.scope.speakers
        hits[rule.id] = folded.str.contains(pattern, regex=True) & df["speaker"].isin(speakers)
    hits.groupby("conversation_id", sort=False).any().to_csv(out_path)


# ---- the run ---------------------------------------------------------------------------------


def pandas_strings() -> str:
    """pandas' version and what backs its default string dtype: with pyarrow installed, pandas 3
    runs `str.contains` in pyarrow (RE2), an order of magnitude faster than over Python objects."""
    import pandas as pd

    storage = getattr(pd.Series(["a"]).dtype, "storage", "object")
    return f"pandas {pd.__version__}, {storage} strings"


def cx_audit_help() -> str:
    return subprocess.run([PYTHON, "-m", "cx_audit", "score", "--help"], capture_output=True, text=True).stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--conversations", type=int, default=20000)
    parser.add_argument("--lang", default="es", choices=["es", "en"])
    parser.add_argument("--data", help="corpus path prefix (default bench/data/LANG-N)")
    parser.add_argument("--workers", default="1,2", help="comma-separated --workers counts for cx-audit")
    parser.add_argument("--inputs", default="jsonl,csv", help="which inputs cx-audit reads")
    parser.add_argument("--skip", default="", help="comma-separated: pandas, grep")
    parser.add_argument("--baseline", metavar="SRC", help="also time cx-audit from another source tree (e.g. the src/ "
                        "of `git worktree add /tmp/before COMMIT`), single process, to compare in the same run")
    parser.add_argument("--matchers", default="", help="comma-separated CX_AUDIT_MATCHER values to time cx-audit with "
                        "(pyahocorasick, python); default: the environment's")
    parser.add_argument("--pandas-baseline", nargs=2, metavar=("CSV", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.pandas_baseline:
        pandas_baseline(*args.pandas_baseline, args.lang)
        return 0

    prefix = args.data or os.path.join(HERE, "data", f"{args.lang}-{args.conversations}")
    ensure_corpus(prefix, args.conversations, args.lang)
    with open(prefix + ".jsonl", "rb") as f:
        conversations = sum(1 for _ in f)
    text_path, phrases_path = ensure_grep_inputs(prefix, args.lang)
    skip = set(filter(None, args.skip.split(",")))
    has_workers = "--workers" in cx_audit_help()
    workers = [int(w) for w in args.workers.split(",")] if has_workers else [None]
    rows: list[tuple[str, str, dict]] = []
    out_dir = tempfile.mkdtemp(prefix="cx-bench-")
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"))
    try:
        if "grep" not in skip:
            grep_env = dict(os.environ, LC_ALL="C")
            # Not /dev/null: GNU grep stops at the first match when its output goes there.
            with tempfile.TemporaryFile() as counted:
                result = measure(["grep", "-c", "-F", "-f", phrases_path, text_path], env=grep_env, stdout=counted)
            rows.append(("grep -c -F -f phrases (floor)", text_path, result))
        outputs = {}
        for kind in args.inputs.split(","):
            for w, matcher in [(w, m) for w in workers for m in (args.matchers.split(",") if args.matchers else [None])]:
                out = os.path.join(out_dir, f"cx-{kind}-{w}-{matcher}.csv")
                cmd = [PYTHON, "-m", "cx_audit", "score", f"{prefix}.{kind}", "-r", args.lang, "-f", "csv", "-o", out,
                       "--exit-zero", "-q", "--no-progress"]
                if w is not None:
                    cmd += ["--workers", str(w)]
                result = measure(cmd, env=dict(env, CX_AUDIT_MATCHER=matcher) if matcher else env)
                if result["code"] != 0:
                    print(result["stderr"], file=sys.stderr)
                label = f"cx-audit, {kind} in, csv out" + (f", {w} worker{'s' if w > 1 else ''}" if w else "")
                rows.append((label + (f", {matcher} matcher" if matcher else ""), f"{prefix}.{kind}", result))
                outputs.setdefault(kind, []).append(out)
            if args.baseline:
                out = os.path.join(out_dir, f"cx-{kind}-baseline.csv")
                cmd = [PYTHON, "-m", "cx_audit", "score", f"{prefix}.{kind}", "-r", args.lang, "-f", "csv", "-o", out,
                       "--exit-zero", "-q", "--no-progress"]
                w = workers[0]  # the same worker count as the first run above, or the comparison is unfair
                if w is not None:
                    cmd += ["--workers", str(w)]
                result = measure(cmd, env=dict(os.environ, PYTHONPATH=os.path.abspath(args.baseline)))
                label = f"cx-audit at {args.baseline}, {kind} in, csv out" + (f", {w} worker{'s' if w > 1 else ''}" if w else "")
                rows.append((label, f"{prefix}.{kind}", result))
                outputs.setdefault(kind, []).append(out)
        for kind, files in outputs.items():
            contents = {open(f, "rb").read() for f in files}
            if len(contents) > 1:
                print(f"warning: {kind} outputs differ between worker counts or matchers (or from the baseline)", file=sys.stderr)
        if "pandas" not in skip:
            out = os.path.join(out_dir, "pandas.csv")
            result = measure([PYTHON, os.path.abspath(__file__), "--lang", args.lang, "--pandas-baseline", f"{prefix}.csv", out], env=env)
            if result["code"] != 0:
                print(result["stderr"], file=sys.stderr)
            rows.append((f"pandas str.contains per rule ({pandas_strings()})", f"{prefix}.csv", result))
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)

    grep_seconds = next((r["seconds"] for label, _, r in rows if label.startswith("grep")), None)
    print(f"\n{conversations} conversations ({args.lang}, 30 turns each), {os.cpu_count()} cores, Python {sys.version.split()[0]}\n")
    print("| approach | input | seconds | conversations/s | MB/s | peak RSS, all processes (MB) | time ÷ grep |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for label, path, r in rows:
        size = os.path.getsize(path) / 2**20
        ratio = f"{r['seconds'] / grep_seconds:.1f}×" if grep_seconds else ""
        print(f"| {label} | {os.path.basename(path)} ({size:.0f} MB) | {r['seconds']:.2f} | {conversations / r['seconds']:,.0f} | "
              f"{size / r['seconds']:.0f} | {max(r['tree_mb'], r['max_mb']):.0f} | {ratio} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
