import json
from pathlib import Path

import pytest

from conftest import run_spec
from scalelab_worker import ContractError, Worker, contract_problems


def test_a_run_spec_the_runner_writes_follows_the_contract() -> None:
    assert contract_problems("RunSpec", run_spec(), "run.json") == []


def test_a_built_in_corpus_is_one_of_the_corpus_forms() -> None:
    spec = run_spec()
    spec["data"]["corpus"] = "moby-dick"
    assert contract_problems("RunSpec", spec, "run.json") == []
    spec["data"]["corpus"] = "war-and-peace"
    [problem] = contract_problems("RunSpec", spec, "run.json")
    assert problem.startswith("run.json.data.corpus: \"war-and-peace\" matches none of its 4 forms")


def test_problems_name_the_field() -> None:
    spec = run_spec(tokens=1.5)
    del spec["training"]["lr"]
    spec["shape"]["tied_embeddings"] = "yes"
    assert sorted(contract_problems("RunSpec", spec, "run.json")) == [
        "run.json.shape.tied_embeddings: expected a boolean, got \"yes\"",
        "run.json.tokens: expected an integer, got 1.5",
        "run.json.training.lr: missing",
    ]


def test_non_finite_numbers_are_refused() -> None:
    assert contract_problems("MetricLine", {"step": 1, "tokens": 10, "flops": 1e3, "loss": float("nan")}, "line") == [
        "line.loss: expected a finite number, got NaN"]


def test_extra_keys_are_allowed_as_the_runner_ignores_them() -> None:
    assert contract_problems("MetricLine", {"step": 1, "tokens": 10, "flops": 1e3, "perplexity": 3.0}, "line") == []


def test_worker_refuses_a_run_json_that_breaks_the_contract(run_dir: Path) -> None:
    (run_dir / "run.json").write_text(json.dumps(run_spec(seed="seven")))
    with pytest.raises(ContractError, match=r"run\.json\.seed: expected an integer"):
        Worker.open(run_dir)


def test_worker_refuses_a_run_json_that_is_not_json(run_dir: Path) -> None:
    (run_dir / "run.json").write_text("{\n  \"id\": ")
    with pytest.raises(ContractError, match=r"run\.json: not JSON \(line 2"):
        Worker.open(run_dir)


def test_worker_refuses_a_folder_without_run_json(tmp_path: Path) -> None:
    with pytest.raises(ContractError, match="no run.json"):
        Worker.open(tmp_path)
