"""How long one password check takes with the app's argon2id parameters.

    .venv/bin/python bench/password_bench.py [--rounds 40] [--workers 2]

ASVS asks for hashing parameters at or above an OWASP row; we also want a sign-in to stay quick.
This prints the median and 90th percentile of `verify_password` alone (one process), then with
`--workers` processes verifying at once (every core busy, as under a burst of sign-ins), next to
the OWASP cheat-sheet rows for comparison. Not a test: timings depend on the machine.
"""

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from argon2 import PasswordHasher, Type  # noqa: E402

from consent.accounts import passwords  # noqa: E402

PASSWORD = "a moderately long family passphrase"  # noqa: S105 - a sample, not a secret
OWASP_ROWS = [(47104, 1, 1), (19456, 2, 1), (12288, 3, 1), (9216, 4, 1), (7168, 5, 1)]


def _time_verifies(rounds: int, clock=time.perf_counter) -> list[float]:
    stored = passwords.hash_password(PASSWORD)
    passwords.verify_password(stored, PASSWORD)  # warm up
    times = []
    for _ in range(rounds):
        start = clock()
        assert passwords.verify_password(stored, PASSWORD)
        times.append((clock() - start) * 1000)
    return times


def _summary(times: list[float]) -> str:
    ordered = sorted(times)
    p90 = ordered[int(len(ordered) * 0.9) - 1]
    return f"median {statistics.median(ordered):6.1f} ms   p90 {p90:6.1f} ms   n={len(ordered)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    # Other work on the machine inflates every figure: read them together with the load.
    print(f"cores: {os.cpu_count()}  load average: {load}  python: {sys.version.split()[0]}")
    print(
        f"app parameters: argon2id m={passwords.MEMORY_COST_KIB} KiB "
        f"t={passwords.TIME_COST} p={passwords.PARALLELISM}"
    )
    print(f"  one process:            {_summary(_time_verifies(args.rounds))}")
    # CPU time of the hash alone (p=1 is one thread): what it costs when the machine is not
    # shared; wall time above includes waiting for a core.
    cpu = _time_verifies(args.rounds, time.process_time)
    print(f"  one process, CPU time:  {_summary(cpu)}")
    with ProcessPoolExecutor(args.workers) as pool:
        per_worker = list(pool.map(_time_verifies, [args.rounds] * args.workers))
    together = [t for times in per_worker for t in times]
    print(f"  {args.workers} processes at once:  {_summary(together)}")

    print("OWASP cheat-sheet rows (one process, for comparison):")
    for memory, iterations, lanes in OWASP_ROWS:
        hasher = PasswordHasher(
            time_cost=iterations, memory_cost=memory, parallelism=lanes, type=Type.ID
        )
        stored = hasher.hash(PASSWORD)
        times = []
        for _ in range(max(args.rounds // 4, 5)):
            start = time.perf_counter()
            hasher.verify(stored, PASSWORD)
            times.append((time.perf_counter() - start) * 1000)
        print(f"  m={memory:>5} t={iterations} p={lanes}: {_summary(times)}")


if __name__ == "__main__":
    main()
