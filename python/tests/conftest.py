import json
import sys
from pathlib import Path
from typing import Any

import pytest

# The library from this checkout, installed or not.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def run_spec(**overrides: Any) -> dict[str, Any]:
    """A RunSpec as the runner writes it to run.json."""
    spec: dict[str, Any] = {
        "id": "r-0001", "experiment": "demo", "budget": 1e12, "params": 4096, "params_non_embedding": 2048,
        "tokens": 20000, "flops": 4.9e8, "flops_convention": "6N",
        "shape": {"layers": 2, "d_model": 32, "heads": 4, "kv_heads": 2, "head_dim": 8, "ffn": 96,
                  "context": 64, "vocab": 256, "tied_embeddings": True},
        "data": {"corpus": {"kind": "markov", "alphabet": 32, "order": 2, "branching": 4, "documents": 10,
                            "length": 100, "seed": 1},
                 "tokenizer": "bytes", "validation": 0.1, "val_tokens": 4096, "document_masking": False},
        "training": {"optimizer": {"name": "adamw", "beta1": 0.9, "beta2": 0.95, "eps": 1e-8, "weight_decay": 0.1},
                     "lr": 0.003, "schedule": "cosine", "warmup": 0.1, "min_lr_fraction": 0.1,
                     "batch_tokens": 1000, "grad_clip": 1.0},
        "eval": {"every": 0.25, "cloze": {"items": 0, "choices": 4, "answer_bytes": 12}},
        "seed": 7, "backend": "auto", "trainer": "command 1",
    }
    spec.update(overrides)
    return spec


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    (tmp_path / "run.json").write_text(json.dumps(run_spec()))
    return tmp_path
