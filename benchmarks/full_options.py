"""Issue 15's options for the full engine's cold time, each in a fresh process (not a group).

Run ``python -m benchmarks.full_options`` (every option, one after the other) or
``python -m benchmarks.full_options OPTION``. Each option runs in a new process with
empty PyTensor, numba and JAX caches; it times a cold call (build, compile, 4 x (500
tune + 1000 draws), Rao-Blackwellised recovery; imports apart) and a warm one in the
same process, and prints wall and CPU seconds, the number of gradient evaluations
and the bulk ESS / R-hat of the Rao-Blackwellised scenario probabilities of the Wagner
file, with their distance to the exact engine in MCSE.

Options:

- ``graph``: the engine as shipped (``update(engine="pymc")``: the contraction as a
  PyTensor graph, nutpie with numba).
- ``op``: the same, with the discrete facts summed out by the
  :class:`~scenarios.engines.logz.LogZ` Op (numpy calibration; numba runs it in object
  mode).
- ``numpyro``: the shipped model sampled by ``pm.sample(nuts_sampler="numpyro",
  chain_method="vectorized")``: the whole NUTS loop in XLA (needs ``numpyro``).
- ``blackjax``: likewise with ``nuts_sampler="blackjax"`` (needs ``blackjax``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

OPTIONS = ("graph", "op", "numpyro", "blackjax")


def _one_call(option: str, scenario, seed: int) -> tuple[object, dict]:
    import numpy as np

    from scenarios.engines import pymc as engine

    if option in ("graph", "op"):
        post = scenario.update(engine="pymc", seed=seed)
        steps = post.idata["sample_stats"]["n_steps"].values
        return post, {"gradients_in_draws": int(np.asarray(steps).sum())}
    import pymc as pm

    from scenarios.engines.network import Network

    model, _ = engine._build(scenario, data=True)
    with model:
        idata = pm.sample(
            draws=1000,
            tune=500,
            chains=4,
            random_seed=seed,
            progressbar=False,
            target_accept=0.9,
            nuts_sampler=option,
            nuts_sampler_kwargs={"chain_method": "vectorized"},
        )
    net = Network(scenario)
    post = idata["posterior"]
    theta = {
        p.name: np.asarray(post[p.name].values).reshape(-1, *post[p.name].shape[2:])
        for p in net.parameters
    }
    g = engine.rao_blackwell(net, theta, 4000)
    steps = idata["sample_stats"]["n_steps"].values
    return g, {"gradients_in_draws": int(np.asarray(steps).sum())}


def _quality(result, exact) -> dict:
    """Worst bulk ESS and R-hat of the scenario probabilities, worst |p - exact| / MCSE."""
    from arviz_stats.base import array_stats

    if not isinstance(result, dict):  # a Posterior: its own diagnostics and MCSE
        diff = (result.scenarios["probability"] - exact.scenarios["probability"]).abs()
        d = result.diagnostics["value"]
        return {
            "min_ess_scenarios": round(float(d["min_ess_scenarios"])),
            "max_rhat": round(float(d["max_rhat"]), 4),
            "max_z_vs_exact": round(float((diff / result.scenarios["mcse"]).max()), 2),
        }
    ess, rhat, z = [], [], []
    for (name, state), p in exact.scenarios["probability"].items():
        i = list(exact.scenarios.loc[name].index).index(state)
        series = result[name][:, i].reshape(4, 1000)
        ess.append(float(array_stats.ess(series)))
        rhat.append(float(array_stats.rhat(series)))
        z.append(abs(series.mean() - p) / float(array_stats.mcse(series)))
    return {
        "min_ess_scenarios": round(min(ess)),
        "max_rhat": round(max(rhat), 4),
        "max_z_vs_exact": round(max(z), 2),
    }


def child(option: str) -> None:
    """Run one option in this (fresh) process and print one JSON line."""
    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    import pymc  # noqa: F401

    import scenarios
    from scenarios.engines import pymc as engine

    imports = time.perf_counter() - t0
    if option == "op":
        build = engine._build
        engine._build = lambda s, **kw: build(s, **kw, contraction="op")  # type: ignore[assignment]
    wagner = scenarios.load(scenarios.default_priors())
    exact = wagner.update(intervals=False)
    row: dict = {"option": option, "imports": round(imports, 2)}
    for run in ("cold", "warm"):
        t, c = time.perf_counter(), time.process_time()
        result, extra = _one_call(option, wagner, seed=1)
        row[f"{run}_wall"] = round(time.perf_counter() - t, 2)
        row[f"{run}_cpu"] = round(time.process_time() - c, 2)
        row |= extra
    row |= _quality(result, exact)
    row["load"] = os.getloadavg()[0]
    print(json.dumps(row), flush=True)


def main(options: list[str]) -> None:
    """Each option in a new process with empty compile caches."""
    for option in options:
        with tempfile.TemporaryDirectory(prefix="cold-") as tmp:
            base = Path(tmp)
            env = {
                **os.environ,
                "PYTENSOR_FLAGS": f"compiledir={base / 'pytensor'}",
                "NUMBA_CACHE_DIR": str(base / "numba"),
                "JAX_COMPILATION_CACHE_DIR": str(base / "jax"),
            }
            cmd = [sys.executable, "-m", "benchmarks.full_options", "--child", option]
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
            lines = [x for x in done.stdout.splitlines() if x.startswith("{")]
            print(lines[-1] if lines else f"{option}: failed: {done.stderr.strip()[-400:]}")


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--child"]:
        child(args[1])
    else:
        main(args or list(OPTIONS))
