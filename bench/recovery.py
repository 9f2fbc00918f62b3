"""Recovery times of background runs after B1–B4 (issue 17): runs tests/reliability/test_stuck_runs.py N times and
prints, per fault and kind of run, how it ended and the seconds from the fault to that end (min / median / max).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \\
        python bench/recovery.py [--runs 3] [-k b4]

The faults are real (a private PostgreSQL restarted, a private Redis without persistence restarted empty, work
horses and workers SIGKILLed); lease 2 s and 2 attempts as in the tests. Figures go into docs/reliability.md.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LINE = re.compile(r"^(B\d(?: \([^)]*\))?) (\S+): (done|failed) \((\w+)\) ([\d.]+) s after the fault")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("-k", default=None, help="pytest -k expression (e.g. b4)")
    args = parser.parse_args()
    seen: dict[tuple[str, str], list[tuple[str, float]]] = defaultdict(list)
    failures = 0
    for n in range(1, args.runs + 1):
        cmd = [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider",
               str(REPO / "tests/reliability/test_stuck_runs.py")]
        if args.k:
            cmd += ["-k", args.k]
        out = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)  # noqa: S603
        failures += out.returncode != 0
        for line in out.stdout.splitlines():
            match = LINE.match(line.strip())
            if match:
                fault, kind, outcome, _state, seconds = match.groups()
                seen[(fault, kind)].append((outcome, float(seconds)))
        print(f"run {n}: pytest exit {out.returncode}", flush=True)
    print(f"\n{'fault':<22} {'run':<22} {'ended':<10} {'min s':>6} {'median s':>9} {'max s':>6}")
    for (fault, kind), items in sorted(seen.items()):
        seconds = [s for _o, s in items]
        outcomes = "/".join(sorted({o for o, _s in items}))
        print(f"{fault:<22} {kind:<22} {outcomes:<10} {min(seconds):>6.1f} {statistics.median(seconds):>9.1f} "
              f"{max(seconds):>6.1f}")
    print(f"\n{args.runs} run(s), {failures} with a failing test")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
