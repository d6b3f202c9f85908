"""Runs several `rasa test nlu` evaluations with one loaded model (`make eval`).

`python -m tests.nlu_batch <model> <jobs.json>`, where each job is {"nlu": path, "out": dir,
"successes": bool}. Loading the model and TensorFlow is most of a `rasa test nlu` run on
the held-out sets (~25 s of ~30 s here); four separate runs loaded it four times. Each job is
Rasa's own `run_evaluation` (the reports, the error lists and the confusion matrix that
`rasa test nlu` writes), through the server's hooks, as `python -m rasa_server test nlu` is.
"""
from __future__ import annotations

import asyncio
import json
import os
import sys

# As python -m rasa_server: one TensorFlow thread per op (every call is a batch of one).
os.environ.setdefault("TF_INTER_OP_PARALLELISM_THREADS", "1")
os.environ.setdefault("TF_INTRA_OP_PARALLELISM_THREADS", "1")


async def run(model: str, jobs: list) -> None:
    from rasa.core.agent import Agent
    from rasa.nlu.test import run_evaluation

    agent = Agent.load(model_path=model)
    for job in jobs:
        os.makedirs(job["out"], exist_ok=True)
        print(f"evaluating {job['nlu']} -> {job['out']}", flush=True)
        await run_evaluation(job["nlu"], agent.processor, output_directory=job["out"],
                             successes=bool(job.get("successes")), errors=True)


def main() -> None:
    from rasa_server import RasaVersionError, install_hooks

    try:
        install_hooks()
    except RasaVersionError as error:
        raise SystemExit(f"error: {error}") from None
    model, jobs_file = sys.argv[1], sys.argv[2]
    with open(jobs_file, encoding="utf-8") as handle:
        jobs = json.load(handle)
    asyncio.run(run(model, jobs))


if __name__ == "__main__":
    main()
