"""Speed and memory of a full run against a one-Mesa-Agent-per-researcher reference.

Runs the circulation model over the whole horizon at the given scale (default 1:10,
the whole world: about a million researchers) and, in the same process, a reference
that does nothing but a random yearly move with one ``mesa.Agent`` per researcher
(``shuffle_do``), and prints researcher-years per second for both and their ratio.
Each measurement runs in a fresh subprocess so peak memory (max RSS) is its own.

    python benchmarks/bench_model.py [--scale 10] [--world regions] [--repeat 3]
                                     [--reference-agents 1000000] [--reference-years 5]

``--world block`` runs the rest of the world as one block instead of its six regions
(``model.world``), to measure what the regions cost.

The reference is run for fewer years than the model (``--reference-years``) because
its cost per agent-year is constant. Its throughput counts its yearly steps only (not
the creation of its agents), while the model's counts everything from construction
and burn-in on: the comparison is tilted towards the reference.

On a shared machine either throughput moves by 10-20% from one run to the next, so
``--repeat K`` makes K pairs of runs, model then reference, and reports each pair's
ratio and their median: the ratio of one pair alone is not a measurement of the code.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time


def run_model(scale: float, seed: int, world: str = "regions") -> dict:
    """Time one full run (construction with burn-in, then every year)."""
    import numpy as np

    from circsim import CirculationModel
    from circsim.sim.sectors import is_post

    t0 = time.perf_counter()
    m = CirculationModel(rng=seed, scale=scale, world=world)
    t_init = time.perf_counter() - t0
    agent_years = 0
    researcher_years = 0
    while m.running:
        m.step()
        agent_years += len(m.pop)
        researcher_years += int(np.count_nonzero(is_post(m.pop.sector)))
    total = time.perf_counter() - t0
    return {
        "seconds": total,
        "init_seconds": t_init,
        "years": m.p.end_year - m.p.start_year + 1,
        "agents_end": len(m.pop),
        "researchers_end": int(np.count_nonzero(is_post(m.pop.sector))),
        "agent_years": agent_years,
        "researcher_years": researcher_years,
    }


def run_reference(n_agents: int, years: int, seed: int) -> dict:
    """One Mesa Agent per researcher; each year, each moves to a random country with
    probability 5% (the least a mobility model does)."""
    import mesa

    class Researcher(mesa.Agent):
        def __init__(self, model: mesa.Model) -> None:
            super().__init__(model)
            self.country = 0

        def step(self) -> None:
            if self.random.random() < 0.05:
                self.country = self.random.randrange(8)

    class Reference(mesa.Model):
        def __init__(self, n: int, rng: int) -> None:
            super().__init__(rng=rng)
            Researcher.create_agents(self, n)

        def step(self) -> None:
            self.agents.shuffle_do("step")

    t0 = time.perf_counter()
    ref = Reference(n_agents, seed)
    t1 = time.perf_counter()
    for _ in range(years):
        ref.step()
    t2 = time.perf_counter()
    return {"init_seconds": t1 - t0, "step_seconds": t2 - t1, "agent_years": n_agents * years}


def _child(kind: str, args: argparse.Namespace) -> dict:
    """Run one measurement in a fresh interpreter and return it with its peak memory."""
    code = (
        "import json, resource, sys; sys.path.insert(0, 'benchmarks'); import bench_model as b; "
        f"r = b.run_{kind}(*{args!r}); "
        "r['max_rss_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024; print(json.dumps(r))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Measure and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=10.0, help="real researchers per agent (10 = world at 1:10)")
    ap.add_argument("--reference-agents", type=int, default=1_000_000)
    ap.add_argument("--reference-years", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--world", choices=("regions", "block"), default="regions", help="the rest of the world's drawing")
    ap.add_argument("--repeat", type=int, default=3, help="pairs of runs (model, then reference)")
    args = ap.parse_args()
    if args.repeat < 1:
        ap.error(f"--repeat must be at least 1, got {args.repeat}")

    pairs, seconds, r_tps, ratios = [], [], [], []
    for k in range(args.repeat):
        model = _child("model", (args.scale, args.seed, args.world))
        ref = _child("reference", (args.reference_agents, args.reference_years, args.seed))
        m_tp, r_tp = model["agent_years"] / model["seconds"], ref["agent_years"] / ref["step_seconds"]
        pairs.append((model, ref))
        seconds.append(model["seconds"])
        r_tps.append(r_tp)
        ratios.append(m_tp / r_tp)
        print(
            f"pair {k + 1}/{args.repeat}: model {model['seconds']:.1f} s, {m_tp:,.0f} agent-years/s, "
            f"peak {model['max_rss_mb']:.0f} MB; reference {r_tp:,.0f} agent-years/s; ratio {m_tp / r_tp:.1f}x",
            flush=True,
        )
    model, ref = pairs[0]
    tp = model["agent_years"] / statistics.median(seconds)
    lines = [
        f"circsim model, scale 1:{args.scale:g}, world {args.world}, {model['years']} years (plus burn-in):",
        f"  wall time            {statistics.median(seconds):8.1f} s median of {len(pairs)}"
        f" ({min(seconds):.1f}-{max(seconds):.1f}; construction and burn-in"
        f" {model['init_seconds']:.1f} s in the first)",
        f"  peak memory (RSS)    {max(m['max_rss_mb'] for m, _ in pairs):8.0f} MB (highest)",
        f"  agents at the end    {model['agents_end']:>10,}  (holding posts: {model['researchers_end']:,})",
        f"  agent-years          {model['agent_years']:>10,}  (in posts: {model['researcher_years']:,})",
        f"  throughput           {tp:>10,.0f} agent-years/s (median time)",
        f"reference: {args.reference_agents:,} mesa Agents, random yearly move (shuffle_do):",
        f"  creation             {ref['init_seconds']:8.1f} s in the first (not counted in its throughput)",
        f"  peak memory (RSS)    {max(r['max_rss_mb'] for _, r in pairs):8.0f} MB (highest)",
        f"  throughput           {statistics.median(r_tps):>10,.0f} agent-years/s median"
        f" ({min(r_tps):,.0f}-{max(r_tps):,.0f})",
        f"ratio model / reference: {statistics.median(ratios):.1f}x median of {len(pairs)} pairs"
        f" ({min(ratios):.1f}-{max(ratios):.1f}x)",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
