"""One attempt at a run: the run folder's files, read and written as the worker contract says."""
import json
import os
import shutil
import sys
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .contract import ContractError, check
from .files import fsync_tree, write_atomically
from .stop import StopRequest

RUN_DIR_VARIABLE = "SCALELAB_RUN_DIR"
EXIT_BAD_INPUT = 2  # not retried: run.json, its data or the checkpoint must change
EXIT_STOPPED = 143  # checkpointed on request; the coordinator starts it again to resume


class Worker:
    """The run folder of one attempt. `Worker.start()` from a trainer's main; `Worker.open` in tests."""

    def __init__(self, run_dir: Path, run: dict[str, Any], stop: StopRequest, checkpoint_name: str) -> None:
        self.run_dir = run_dir
        self.run = run  # the RunSpec, checked against the contract
        self.stop = stop
        self.checkpoint_path = run_dir / checkpoint_name
        self.metrics_path = run_dir / "metrics.jsonl"
        self.result_path = run_dir / "result.json"
        self.resume_step = 0  # the checkpoint's step; 0 for a fresh start
        self.state: Any = None  # what the checkpoint saved, or None
        self.checkpoint_files: Path | None = None  # the folder of the checkpoint's binary files, if it has one
        if self.checkpoint_path.exists():
            saved = _read_json(self.checkpoint_path)
            if not isinstance(saved, dict) or not isinstance(saved.get("step"), int) or "state" not in saved:
                raise ContractError(f"{self.checkpoint_path}: not a checkpoint of this library (no integer `step` and `state`); delete it to train from scratch")
            self.resume_step, self.state = saved["step"], saved["state"]
            if saved.get("files") is not None:
                files = run_dir / str(saved["files"])
                if Path(str(saved["files"])).name != saved["files"] or not files.is_dir():
                    raise ContractError(f"{self.checkpoint_path}: its files folder {files} is missing; delete {self.checkpoint_path.name} to train from scratch")
                self.checkpoint_files = files
        self._drop_lines_past(self.resume_step)

    @classmethod
    def open(cls, run_dir: str | os.PathLike[str], stop: StopRequest | None = None, checkpoint_name: str = "checkpoint.json") -> "Worker":
        """Read and check run.json and the checkpoint; raises ContractError on bad input."""
        folder = Path(run_dir)
        spec_path = folder / "run.json"
        if not spec_path.is_file():
            raise ContractError(f"{spec_path}: no run.json; the worker's argument must be a run folder")
        run = _read_json(spec_path)
        check("RunSpec", run, str(spec_path))
        _refuse_final_weights(run, str(spec_path))
        return cls(folder, run, stop or StopRequest(), checkpoint_name)

    @classmethod
    def start(cls, argv: Sequence[str] | None = None, checkpoint_name: str = "checkpoint.json") -> "Worker":
        """Open the run folder named on the command line (or in SCALELAB_RUN_DIR) and stop on SIGTERM,
        SIGINT and the lifeline; on bad input print why and exit 2, as the contract asks."""
        arguments = sys.argv[1:] if argv is None else list(argv)
        run_dir = arguments[0] if len(arguments) == 1 else os.environ.get(RUN_DIR_VARIABLE)
        if run_dir is None:
            sys.stderr.write("usage: TRAINER RUN_DIR (or set SCALELAB_RUN_DIR)\n")
            sys.exit(EXIT_BAD_INPUT)
        try:
            return cls.open(run_dir, StopRequest().install(), checkpoint_name)
        except ContractError as error:
            sys.stderr.write(f"{error}\n")
            sys.exit(EXIT_BAD_INPUT)

    @property
    def stop_requested(self) -> bool:
        return self.stop.requested

    def log(self, step: int, tokens: float, flops: float, **fields: float) -> None:
        """Append one metric line: `loss` for training lines, `val_loss` for evaluations."""
        line = {"step": step, "tokens": tokens, "flops": flops, **fields}
        check("MetricLine", line, f"metric line at step {step}")
        with open(self.metrics_path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(line, allow_nan=False) + "\n")

    def save_checkpoint(self, step: int, state: Any, write_files: Callable[[Path], None] | None = None) -> None:
        """Save a JSON-able state at `step` atomically; the next attempt resumes from it.

        Binary files (model and optimiser tensors, say) are written by `write_files` into the empty
        folder it is given. They are committed with the step and state as one: the folder is complete
        before the checkpoint names it, and the previous checkpoint's folder is removed only after, so
        a kill at any moment leaves one whole checkpoint, never tensors of one step with another's
        step. On resume, `checkpoint_files` is the folder.
        """
        files = None
        if write_files is not None:
            # A name of its own for every save: a step saved twice must not overwrite the folder in use.
            files = f"{self.checkpoint_path.stem}-{step}-{uuid.uuid4().hex[:8]}"
            staging = self.run_dir / f"{files}.tmp"
            staging.mkdir()
            try:
                write_files(staging)
                fsync_tree(staging)
                os.replace(staging, self.run_dir / files)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
        write_atomically(self.checkpoint_path, json.dumps({"step": step, "state": state, "files": files}))
        self.checkpoint_files = None if files is None else self.run_dir / files
        self._remove_other_checkpoint_files()

    def _remove_other_checkpoint_files(self) -> None:
        # Folders of earlier checkpoints, and staging folders an attempt killed mid-save left behind.
        for folder in self.run_dir.glob(f"{self.checkpoint_path.stem}-*"):
            if folder.is_dir() and folder != self.checkpoint_files:
                shutil.rmtree(folder, ignore_errors=True)

    def write_result(self, **fields: Any) -> dict[str, Any]:
        """Write result.json last and atomically. `id`, `params` and `resumed_from_step` are filled in."""
        result = {"id": self.run["id"], "params": self.run["params"], **fields}
        if self.resume_step > 0:
            result.setdefault("resumed_from_step", self.resume_step)
        check("RunResult", result, "result.json")
        write_atomically(self.result_path, json.dumps(result, allow_nan=False))
        return result

    def _drop_lines_past(self, step: int) -> None:
        # Steps past the checkpoint are trained again: drop their lines so that each step appears once.
        if not self.metrics_path.exists():
            return
        lines = self.metrics_path.read_text(encoding="utf-8").splitlines(keepends=True)
        kept = [line for line in lines if line.endswith("\n") and json.loads(line)["step"] <= step]
        if len(kept) != len(lines):
            write_atomically(self.metrics_path, "".join(kept))


def _refuse_final_weights(run: dict[str, Any], where: str) -> None:
    """Annealing probes start from the built-in trainer's final.bin, which this library neither reads nor
    writes: a trainer built on it would train such a run from fresh weights without saying so."""
    if run.get("init") is not None:
        raise ContractError(f"{where}: init is set (start from run {run['init']['run']}'s final.bin), but this trainer cannot "
                            "start from another run's end; annealing probes need the built-in trainer")
    if run.get("save_final"):
        raise ContractError(f"{where}: save_final is set, but this trainer does not write final.bin for runs to start from; "
                            "annealing probes and the runs they start from need the built-in trainer")


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ContractError(f"{path}: not JSON (line {error.lineno}, column {error.colno}: {error.msg})") from None
