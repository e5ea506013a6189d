"""Shared fixtures: a loopback simulator per module and clients pointed at it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib
import pyarrow.compute as pc
import pytest

matplotlib.use("Agg")

from openrouter_frame import OpenRouterClient, generations_to_frame  # noqa: E402
from openrouter_frame.testing import Simulator, serve  # noqa: E402


@pytest.fixture(autouse=True)
def _no_real_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see a real key, base URL or cache from the environment."""
    for name in ("OPENROUTER_API_KEY", "OPENROUTER_MANAGEMENT_KEY", "OPENROUTER_BASE_URL",
                 "OPENROUTER_FRAME_CACHE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    """A fault-free simulator shared by a test module."""
    with serve() as s:
        yield s


@pytest.fixture()
def client(sim: Simulator) -> Iterator[OpenRouterClient]:
    with OpenRouterClient(sim.api_key, sim.base_url, max_workers=8,
                          backoff_factor=0.01) as c:
        yield c


@pytest.fixture(scope="session")
def demo_frame() -> object:
    """500 simulator generations as a typed frame (fetched once per session)."""
    with serve() as s:
        return generations_to_frame(s.ids(500), api_key=s.api_key, base_url=s.base_url,
                                    progress=False)


@pytest.fixture(scope="session")
def slow_small_frame(demo_frame: object) -> object:
    """The demo frame on 12 busy providers and 3 small slow ones (issue 21).

    ``Slow-A`` (1 generation), ``Slow-B`` (2) and ``Slow-C`` (3) are the three
    smallest providers and the three slowest by median latency (40, 50 and 60 s;
    every other latency is capped at 30 s); the other 494 rows are spread over
    ``Busy-00`` .. ``Busy-11`` (41 or 42 each) with their simulated latencies.
    """
    import numpy as np
    import pandas as pd

    frame = demo_frame.copy()  # type: ignore[attr-defined]
    n = len(frame)
    names = [f"Busy-{i % 12:02d}" for i in range(n - 6)] + ["Slow-A"] + ["Slow-B"] * 2 + \
        ["Slow-C"] * 3
    frame["provider_name"] = pd.Series(names, index=frame.index, dtype="category")
    latency = frame["latency"].to_numpy(dtype="float64", na_value=np.nan, copy=True)
    latency = np.minimum(latency, 30_000.0)  # NaN stays NaN
    latency[-6:] = [40_000.0, 50_000.0, 50_000.0, 60_000.0, 60_000.0, 60_000.0]
    frame["latency"] = pd.array(latency, dtype=frame["latency"].dtype)
    return frame


@pytest.fixture()
def tmp_cwd(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> object:
    monkeypatch.chdir(tmp_path)  # type: ignore[arg-type]
    return tmp_path


def pytest_report_header() -> list[str]:
    import pandas

    return [f"pandas {pandas.__version__}; CI={os.environ.get('CI', '')}"]


def write_history(path: Path, n: int, *, seed: int = 0, chunk: int = 25_000) -> Path:
    """``n`` distinct simulated generations (about six weeks of them) written as a dataset
    by the dataset's own writer, ``chunk`` records at a time in order of ``created_at``
    (one file per chunk and day), as runs fetching day after day write it."""
    from openrouter_frame import dataset
    from openrouter_frame.frame import records_to_frame
    from openrouter_frame.testing.data import make_record

    every = sorted((make_record(i) for i in Simulator(seed=seed).ids(n)),
                   key=lambda r: r.get("created_at") or "")  # fetched day after day
    for start in range(0, n, chunk):
        records = every[start:start + chunk]
        frame = records_to_frame(records, dtype_backend="pyarrow")
        table = dataset._records_table(frame, records)
        dataset._write(table, path, pc.strftime(table["created_at"], format="%Y-%m-%d"))
    return path


@pytest.fixture()
def history_300(tmp_path: Path) -> Path:
    """A dataset of 300 generations."""
    return write_history(tmp_path / "gens", 300)


@pytest.fixture(scope="session")
def history_100k(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dataset of 100,000 distinct generations over six weeks (a few hundred files)."""
    return write_history(tmp_path_factory.mktemp("history") / "gens", 100_000)


@pytest.fixture(scope="session")
def dask_client() -> Iterator[Any]:
    """A real ``distributed`` cluster: two worker processes of one thread each."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        yield client
# -- the simulated account (issue 20): history, activity and list prices ----------------
def activity_frame(items: list[dict]) -> object:
    """``GET /activity`` items as a frame of the agreed shape (``date`` naive midnight)."""
    import pandas as pd

    frame = pd.DataFrame(items, columns=[
        "date", "model", "model_permaslug", "endpoint_id", "provider_name", "usage",
        "byok_usage_inference", "requests", "prompt_tokens", "completion_tokens",
        "reasoning_tokens"])
    return frame.astype({
        "date": "datetime64[us]", "model": "string", "model_permaslug": "string",
        "endpoint_id": "string", "provider_name": "string", "usage": "Float64",
        "byok_usage_inference": "Float64", "requests": "Int64", "prompt_tokens": "Int64",
        "completion_tokens": "Int64", "reasoning_tokens": "Int64"})


@pytest.fixture(scope="session")
def account_sim() -> Iterator[Simulator]:
    """A simulator whose account's logs missed 5% of its 30-day history."""
    with serve(unlisted_share=0.05) as s:
        yield s


@pytest.fixture(scope="session")
def history_frame(account_sim: Simulator) -> object:
    """Every generation the simulated account's activity counts, as a typed frame."""
    return generations_to_frame(account_sim.history_ids(), api_key=account_sim.api_key,
                                base_url=account_sim.base_url, progress=False)


@pytest.fixture(scope="session")
def account_activity(account_sim: Simulator) -> object:
    """``orf.fetch_activity()`` of the simulated account (its management key)."""
    from openrouter_frame import fetch_activity

    return fetch_activity(api_key=account_sim.management_key, base_url=account_sim.base_url)


@pytest.fixture(scope="session")
def account_prices(account_sim: Simulator) -> dict[bool, object]:
    """``orf.fetch_prices(endpoints=...)`` of the simulator, keyed by ``endpoints``."""
    from openrouter_frame import fetch_prices

    return {e: fetch_prices(endpoints=e, base_url=account_sim.base_url) for e in (False, True)}
