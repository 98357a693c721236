"""Time score_frame against the CLI, and --engine dask against a local run.

    .venv/bin/python bench/frame_dask.py --small bench/data/es-2000.csv --large bench/data/es-20000.csv

1. es-2000.csv: `cx-audit score FILE -f csv` (a subprocess, start-up included) and, in this
   process, `pandas.read_csv` + `cx_audit.score_frame` (timed apart; the rulesets are compiled
   by a first call on a few rows, as a notebook's second call would find them).
2. es-20000.csv: `cx-audit score FILE -f parquet -o ...` (one process) and the same with
   `--engine dask --scheduler` on a `distributed.LocalCluster` of 2 worker processes (cluster
   start-up not included, planning and gathering are), and the two result files compared.
Needs the dask extra. Prints one line per measurement.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CLI = os.path.join(os.path.dirname(sys.executable), "cx-audit")


def timed(args: list[str]) -> float:
    began = time.perf_counter()
    subprocess.run(args, check=True, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    return time.perf_counter() - began


def line(what: str, seconds: float, conversations: int) -> None:
    print(f"{what:<58} {seconds:7.2f} s {conversations / seconds:8.0f} conversations/s", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", default=os.path.join(HERE, "data", "es-2000.csv"))
    parser.add_argument("--large", default=os.path.join(HERE, "data", "es-20000.csv"))
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    import pandas as pd

    import cx_audit

    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "small.csv")
        seconds = timed([CLI, "score", args.small, "-f", "csv", "-o", out, "--exit-zero", "-q"])
        n = sum(1 for _ in open(out, encoding="utf-8")) - 1
        line(f"cli {os.path.basename(args.small)} -f csv", seconds, n)
        began = time.perf_counter()
        turns = pd.read_csv(args.small, dtype=str, keep_default_na=False)
        read = time.perf_counter() - began
        cx_audit.score_frame(turns.head(30))  # compile the ruleset once, as a notebook would have
        began = time.perf_counter()
        result = cx_audit.score_frame(turns)
        scored = time.perf_counter() - began
        line("pandas.read_csv", read, len(result))
        line("score_frame", scored, len(result))

        local = os.path.join(tmp, "local.parquet")
        seconds = timed([CLI, "score", args.large, "-f", "parquet", "-o", local, "--exit-zero", "-q"])
        n = len(pd.read_parquet(local))
        line(f"cli {os.path.basename(args.large)} -f parquet (1 process)", seconds, n)

        from distributed import LocalCluster

        with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                          dashboard_address=None, silence_logs=40) as cluster:
            remote = os.path.join(tmp, "dask.parquet")
            seconds = timed([CLI, "score", args.large, "--engine", "dask", "--scheduler", cluster.scheduler_address,
                             "-o", remote, "--exit-zero", "-q"])
        line(f"cli {os.path.basename(args.large)} --engine dask ({args.workers} workers)", seconds, n)
        same = pd.read_parquet(local).equals(pd.read_parquet(remote))
        print(f"dask result identical to the local one: {same}")
        return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
