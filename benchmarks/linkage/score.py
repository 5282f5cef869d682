"""Training and scoring alone, on the frame of the borough `benchmarks.linkage.million` built.

``uv run --frozen python -m benchmarks.linkage.score --workdir DIR`` reads the borough's frame once
(``DIR/score-frame.arrow``, kept for re-runs) and trains the model on it once
(``DIR/score-model.json``), then, ``--rounds`` times, each in a child process of its own: trains
on the frame, and predicts with the kept model. Prints wall and CPU seconds (every thread,
DuckDB's included) and peak memory, with a digest of the pairs and weights and of the trained
model, which must not change when only the speed of the SQL does.

The full run's stages move by tens of seconds between runs on a shared VM; this isolates the two
that run in the engine. To compare two versions of the code, run it from each checkout against
the same ``DIR`` (``PYTHONPATH=OTHER/src`` with this checkout's environment runs the other's
package), alternating.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.ipc as ipc

from benchmarks.linkage.incremental import borough_from_args
from benchmarks.linkage.measure import isolated


def _frame(database: Path, workdir: Path) -> Path:
    """The borough's frame as a full run reads it, written once as an Arrow file."""
    path = workdir / "score-frame.arrow"
    if path.exists():
        return path
    from joinedup.linkage import frame_cache
    from joinedup.store import sources
    from joinedup.store.db import make_engine, session_scope

    engine = make_engine(f"sqlite:///{database}")
    with session_scope(engine) as session:
        table, _ = frame_cache.from_store(session, adult_sources=sources.adult_source_ids(session))
    engine.dispose()
    table = table.drop_columns([frame_cache.VERSION_COLUMN])
    with ipc.new_file(path, table.schema) as writer:
        writer.write_table(table)
    return path


def _read(path: Path) -> pa.Table:
    return ipc.open_file(path).read_all()


def train(frame: Path) -> dict[str, Any]:
    from joinedup.linkage.model import PersonModel

    table = _read(frame)
    wall, cpu = time.perf_counter(), time.process_time()
    model = PersonModel.train(table)
    seconds, cpu_seconds = time.perf_counter() - wall, time.process_time() - cpu
    # Rounded to 12 significant digits: DuckDB's parallel sums differ in the last place.
    text = model.to_json()
    parameters = json.loads(text)["parameters"]
    rounded = {
        name: [{k: f"{v:.12g}" if isinstance(v, float) else v for k, v in level.items()}
               for level in levels]
        for name, levels in parameters.items()
    }  # fmt: skip
    digest = hashlib.sha256(json.dumps(rounded, sort_keys=True).encode()).hexdigest()[:16]
    return {"wall": seconds, "cpu": cpu_seconds, "digest": digest, "model": text}


def predict(frame: Path, model_json: Path) -> dict[str, Any]:
    from joinedup.linkage import candidates
    from joinedup.linkage.model import PersonModel

    table = _read(frame)
    model = PersonModel.from_json(model_json.read_text())
    frequencies = candidates.term_frequency_tables(table)
    wall, cpu = time.perf_counter(), time.process_time()
    pairs = model.predict(table, term_frequencies=frequencies)
    seconds, cpu_seconds = time.perf_counter() - wall, time.process_time() - cpu
    # Row by row over every column, by value (a categorical hashes as its values).
    rows = pd.util.hash_pandas_object(pairs, index=False).to_numpy()
    digest = hashlib.sha256(",".join(pairs.columns).encode() + rows.tobytes()).hexdigest()[:16]
    return {"wall": seconds, "cpu": cpu_seconds, "pairs": len(pairs), "digest": digest}


def main(argv: list[str] | None = None) -> int:
    args, built = borough_from_args(__doc__.splitlines()[0], argv)
    frame = _frame(built, args.workdir)
    model_path = args.workdir / "score-model.json"
    if not model_path.exists():
        model_path.write_text(isolated(train, frame)[0]["model"])
    import joinedup

    print(f"code: {Path(joinedup.__file__).parent}")
    print("\n| round | step | wall s | CPU s | peak MB | load | digest |")
    print("|---:|---|---:|---:|---:|---:|---|")
    for number in range(1, args.rounds + 1):
        for step, run in (("train", lambda: isolated(train, frame)),
                          ("predict", lambda: isolated(predict, frame, model_path))):  # fmt: skip
            load = os.getloadavg()[0]
            figures, _, peak = run()
            print(f"| {number} | {step} | {figures['wall']:.1f} | {figures['cpu']:.1f} | "
                  f"{peak:,.0f} | {load:.1f} | {figures['digest']} |", flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
