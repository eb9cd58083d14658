"""The example trainer (experiments/external-trainer/train.py), built on the library, as a process."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import run_spec

TRAINER = Path(__file__).resolve().parents[2] / "experiments" / "external-trainer" / "train.py"


def start(run_dir: Path, lifeline: bool = False) -> subprocess.Popen:
    environment = {**os.environ, "SCALELAB_STDIN_LIFELINE": "1" if lifeline else "0"}
    return subprocess.Popen([sys.executable, str(TRAINER), str(run_dir)], stdin=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=environment)


def long_run(run_dir: Path) -> Path:
    (run_dir / "run.json").write_text(json.dumps(run_spec(tokens=2_000_000)))
    return run_dir


def wait_for_lines(run_dir: Path) -> None:
    deadline = time.monotonic() + 30
    while not (run_dir / "metrics.jsonl").exists():
        assert time.monotonic() < deadline, "the trainer wrote no metric line"
        time.sleep(0.05)


def test_sigterm_checkpoints_and_exits(run_dir: Path) -> None:
    process = start(long_run(run_dir))
    wait_for_lines(run_dir)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 143
    saved = json.loads((run_dir / "checkpoint.json").read_text())
    assert saved["step"] > 0 and not (run_dir / "result.json").exists()


def test_the_lifeline_closing_checkpoints_and_exits(run_dir: Path) -> None:
    process = start(long_run(run_dir), lifeline=True)
    wait_for_lines(run_dir)
    assert process.stdin is not None
    process.stdin.close()
    assert process.wait(timeout=30) == 143
    assert json.loads((run_dir / "checkpoint.json").read_text())["step"] > 0


def test_bad_input_exits_2_naming_the_field(run_dir: Path) -> None:
    (run_dir / "run.json").write_text(json.dumps(run_spec(params="many")))
    process = start(run_dir)
    assert process.wait(timeout=30) == 2
    assert process.stderr is not None and "run.json.params: expected an integer" in process.stderr.read()
    assert sorted(path.name for path in run_dir.iterdir()) == ["run.json"]
