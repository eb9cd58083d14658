import json
from pathlib import Path

import pytest

from conftest import run_spec
from scalelab_worker import ContractError, Worker, contract_problems


def lines(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]


def finish(worker: Worker) -> dict:
    return worker.write_result(status="completed", val_loss=2.5, train_loss=2.6, tokens=20000, flops=4.9e8,
                               steps=20, backend="python", wall_s=1.5, tokens_per_s=13333.3)


def test_metric_lines_and_result_follow_the_contract(run_dir: Path) -> None:
    worker = Worker.open(run_dir)
    worker.log(1, 1000, 2.45e7, loss=3.4, lr=0.003, tokens_per_s=900.0)
    worker.log(20, 20000, 4.9e8, val_loss=2.5)
    written = lines(run_dir)
    assert written == [{"step": 1, "tokens": 1000, "flops": 2.45e7, "loss": 3.4, "lr": 0.003, "tokens_per_s": 900.0},
                       {"step": 20, "tokens": 20000, "flops": 4.9e8, "val_loss": 2.5}]
    assert all(contract_problems("MetricLine", line, "line") == [] for line in written)
    finish(worker)
    result = json.loads((run_dir / "result.json").read_text())
    assert contract_problems("RunResult", result, "result.json") == []
    assert result["id"] == "r-0001" and result["params"] == 4096 and "resumed_from_step" not in result
    assert sorted(path.name for path in run_dir.iterdir()) == ["metrics.jsonl", "result.json", "run.json"]


def test_a_metric_line_that_breaks_the_contract_is_refused_and_not_written(run_dir: Path) -> None:
    worker = Worker.open(run_dir)
    with pytest.raises(ContractError, match=r"metric line at step 3\.loss: expected a finite number, got Infinity"):
        worker.log(3, 3000, 1e8, loss=float("inf"))
    assert not (run_dir / "metrics.jsonl").exists()


def test_a_result_missing_a_field_is_refused_and_not_written(run_dir: Path) -> None:
    worker = Worker.open(run_dir)
    with pytest.raises(ContractError, match=r"result\.json\.wall_s: missing"):
        worker.write_result(status="completed", val_loss=2.5, train_loss=2.6, tokens=20000, flops=4.9e8,
                            steps=20, backend="python", tokens_per_s=1.0)
    assert not (run_dir / "result.json").exists()


def test_resume_returns_the_checkpoint_and_drops_lines_past_it(run_dir: Path) -> None:
    worker = Worker.open(run_dir)
    for step in (5, 10, 15):
        worker.log(step, step * 1000, step * 2.45e7, loss=3.0)
        if step == 10:
            worker.save_checkpoint(step, {"weights": [1, 2, 3]})
    with open(run_dir / "metrics.jsonl", "a") as handle:
        handle.write('{"step": 16, "tok')  # a line cut short by the kill
    resumed = Worker.open(run_dir)
    assert resumed.resume_step == 10
    assert resumed.state == {"weights": [1, 2, 3]}
    assert [line["step"] for line in lines(run_dir)] == [5, 10]
    assert finish(resumed)["resumed_from_step"] == 10


def test_a_fresh_start_drops_lines_of_an_attempt_that_never_checkpointed(run_dir: Path) -> None:
    Worker.open(run_dir).log(5, 5000, 1e8, loss=3.0)
    fresh = Worker.open(run_dir)
    assert (fresh.resume_step, fresh.state) == (0, None)
    assert lines(run_dir) == []


def test_a_checkpoint_from_elsewhere_is_bad_input(run_dir: Path) -> None:
    (run_dir / "checkpoint.json").write_text('{"counts": []}')
    with pytest.raises(ContractError, match="delete it to train from scratch"):
        Worker.open(run_dir)


def write_tensors(values: bytes):
    def write(folder: Path) -> None:
        (folder / "tensors.bin").write_bytes(values)
    return write


def test_binary_files_are_committed_with_their_step(run_dir: Path) -> None:
    worker = Worker.open(run_dir)
    worker.save_checkpoint(10, {"seen": 10}, write_tensors(b"step 10"))
    worker.save_checkpoint(20, {"seen": 20}, write_tensors(b"step 20"))
    resumed = Worker.open(run_dir)
    assert (resumed.resume_step, resumed.state) == (20, {"seen": 20})
    assert resumed.checkpoint_files is not None
    assert (resumed.checkpoint_files / "tensors.bin").read_bytes() == b"step 20"
    # Only the checkpoint in use keeps its folder.
    assert [p.name for p in run_dir.glob("checkpoint-*")] == [resumed.checkpoint_files.name]


def test_a_save_that_dies_while_writing_its_files_leaves_the_previous_checkpoint_whole(run_dir: Path) -> None:
    worker = Worker.open(run_dir)
    worker.save_checkpoint(10, {"seen": 10}, write_tensors(b"step 10"))

    def dies_half_way(folder: Path) -> None:
        (folder / "tensors.bin").write_bytes(b"step 2")
        raise KeyboardInterrupt  # as a kill would stop it, before the step is recorded

    with pytest.raises(KeyboardInterrupt):
        worker.save_checkpoint(20, {"seen": 20}, dies_half_way)
    resumed = Worker.open(run_dir)
    assert resumed.resume_step == 10
    assert resumed.checkpoint_files is not None
    assert (resumed.checkpoint_files / "tensors.bin").read_bytes() == b"step 10"


def test_saving_the_resumed_step_again_keeps_a_whole_checkpoint(run_dir: Path) -> None:
    Worker.open(run_dir).save_checkpoint(10, {"seen": 10}, write_tensors(b"first"))
    resumed = Worker.open(run_dir)  # e.g. stopped again before its first step
    resumed.save_checkpoint(10, {"seen": 10}, write_tensors(b"again"))
    again = Worker.open(run_dir)
    assert again.checkpoint_files is not None
    assert (again.checkpoint_files / "tensors.bin").read_bytes() == b"again"


def test_a_checkpoint_whose_files_are_gone_is_bad_input(run_dir: Path) -> None:
    Worker.open(run_dir).save_checkpoint(10, {"seen": 10}, write_tensors(b"x"))
    resumed = Worker.open(run_dir)
    assert resumed.checkpoint_files is not None
    (resumed.checkpoint_files / "tensors.bin").unlink()
    resumed.checkpoint_files.rmdir()
    with pytest.raises(ContractError, match="files folder .* is missing"):
        Worker.open(run_dir)


@pytest.mark.parametrize("field, value, message", [
    ("init", {"run": "base-run", "steps": 40}, r"init is set \(start from run base-run's final\.bin\)"),
    ("save_final", True, r"save_final is set, but this trainer does not write final\.bin"),
])
def test_a_run_that_starts_from_or_keeps_final_weights_is_refused(run_dir: Path, field: str, value: object, message: str) -> None:
    # The library cannot start from another run's final.bin: training such a run fresh would be silently wrong.
    (run_dir / "run.json").write_text(json.dumps(run_spec(**{field: value})))
    with pytest.raises(ContractError, match=message):
        Worker.open(run_dir)
