#!/usr/bin/env python3
"""Before/after in one sitting: the NablaBench timing tool of two revisions, case by case, interleaved.

    git worktree add /tmp/nabla-before <revision>
    (cd /tmp/nabla-before/Benchmarks && swift build -c release --product NablaBench)
    (cd Benchmarks && swift build -c release --product NablaBench)
    python3 Benchmarks/before_after.py /tmp/nabla-before/Benchmarks/.build/release/NablaBench \
                                       Benchmarks/.build/release/NablaBench [--rounds 3]

For every case of compare.py, runs before, after, before, after, … (`--rounds` times each, each run the
minimum of NablaBench's own repeats) and prints the best of each with the ratio after / before, so that a
busy machine slows both sides alike.
"""
import argparse, json, os, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import CASES  # noqa: E402


def run(binary, shape, dtype, spacing, accuracy, repeats):
    args = [binary, "x".join(map(str, shape)), dtype, spacing, str(accuracy), "gradient", str(repeats)]
    return json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)["gradient_ms"]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("before")
    p.add_argument("after")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args()
    print("| case | before ms | after ms | after / before |")
    print("|---|---:|---:|---:|")
    for label, shape, dtype, spacing, accuracy in CASES:
        if dtype not in ("f64", "f32"):
            continue  # cases the earlier revision cannot run
        before, after = [], []
        for _ in range(args.rounds):
            before.append(run(args.before, shape, dtype, spacing, accuracy, args.repeats))
            after.append(run(args.after, shape, dtype, spacing, accuracy, args.repeats))
        b, a = min(before), min(after)
        print(f"| {label} | {b:.1f} | {a:.1f} | {a / b:.2f} |", flush=True)


if __name__ == "__main__":
    main()
