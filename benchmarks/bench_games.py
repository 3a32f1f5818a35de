"""Timings of sim.games (prints figures; not a test).

    .venv/bin/python benchmarks/bench_games.py

Targets from issue #3: exact Shapley for 20 players from a dense table under
0.1 s; the nucleolus of a 10-player game.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from sim.games import CoalitionGame


def timed(f, repeat: int = 5) -> tuple[float, float]:
    """(first call, median of the following ``repeat`` calls), in seconds."""
    start = time.perf_counter()
    f()
    first = time.perf_counter() - start
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        f()
        runs.append(time.perf_counter() - start)
    return first, statistics.median(runs)


def random_game(n: int, seed: int = 0) -> CoalitionGame:
    """Worths growing with coalition size plus noise: superadditive-ish, core often empty."""
    rng = np.random.default_rng(seed)
    sizes = np.bitwise_count(np.arange(1 << n)).astype(float)
    table = sizes ** 1.3 * rng.uniform(0.5, 1.5, 1 << n)
    table[0] = 0.0
    return CoalitionGame.from_array([f"p{i}" for i in range(n)], table)


def main() -> None:
    rows: list[tuple[str, float, float]] = []

    def bench(name: str, f, repeat: int = 5) -> None:
        first, median = timed(f, repeat)
        rows.append((name, first, median))
        print(f"{name:<58} first {first * 1e3:9.1f} ms   median {median * 1e3:9.1f} ms", flush=True)

    rng = np.random.default_rng(1)
    table20 = rng.normal(size=1 << 20)
    table20[0] = 0.0
    players20 = [f"p{i}" for i in range(20)]
    bench("from_array, 20 players (validate 2**20 worths)", lambda: CoalitionGame.from_array(players20, table20))
    game20 = CoalitionGame.from_array(players20, table20)
    bench("exact Shapley, 20 players, dense table", game20.shapley, repeat=9)
    bench("exact Banzhaf, 20 players, dense table", game20.banzhaf, repeat=9)
    bench("is_convex, 20 players (not convex: stops early)", game20.is_convex)
    convex20 = CoalitionGame.from_array(players20, np.bitwise_count(np.arange(1 << 20)).astype(float) ** 2)
    bench("is_convex, 20 players (convex: every pair checked)", convex20.is_convex, repeat=2)

    def sampled() -> None:
        lazy = CoalitionGame.from_function(players20, lambda s: float(len(s)) ** 1.5)
        lazy.shapley_sampled(1000, seed=0)

    bench("sampled Shapley, 20 players, 1000 orders, worth function", sampled, repeat=3)

    for n in (10, 12):
        game = random_game(n)
        label = "empty core" if game.core_is_empty() else "core non-empty"
        bench(f"nucleolus, {n} players, random game ({label})", game.nucleolus, repeat=3)
        bench(f"least core, {n} players", game.least_core, repeat=3)
    majority = CoalitionGame.from_function([f"p{i}" for i in range(10)], lambda s: float(len(s) >= 6))
    bench("nucleolus, 10 players, majority game (ties everywhere)", majority.nucleolus, repeat=3)
    core10 = CoalitionGame.from_array([f"p{i}" for i in range(10)],
                                      np.bitwise_count(np.arange(1 << 10)).astype(float) ** 2)
    bench("nucleolus, 10 players, convex game", core10.nucleolus, repeat=3)
    for n in (14, 16):
        sup = CoalitionGame.from_array([f"p{i}" for i in range(n)],
                                       np.bitwise_count(np.arange(1 << n)).astype(float) ** 2)
        bench(f"is_superadditive, {n} players (superadditive: 3**n/2 pairs)", sup.is_superadditive, repeat=1)

    shapley20 = next(m for name, _, m in rows if name.startswith("exact Shapley"))
    print(f"\nexact Shapley for 20 players: {shapley20 * 1e3:.1f} ms (target < 100 ms): "
          f"{'met' if shapley20 < 0.1 else 'NOT met'}")


if __name__ == "__main__":
    main()
