"""Every setting of a training run. Stored as settings.json in the run folder, so a bare ``--resume`` continues
the run that wrote it."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Settings that may differ on --resume (they change how the run executes, not what it computes).
RUNTIME_ONLY = {"out", "resume", "quiet", "device", "threads", "workers", "checkpoint_every", "keep", "log_every",
                "steps"}


@dataclass
class Settings:
    """Defaults follow spec §3.1 (AdamW 1e-4 -> 1e-6, warmup 2000, weight decay 1e-3, crop 224, seed 1234)."""

    data: str = ""
    val: str = "auto"
    val_count: int = 16
    val_every: int = 0  # 0: every 5 epochs (RIFE)
    preset: str = "daek"
    config: dict[str, Any] = field(default_factory=dict)
    teacher: str | None = None
    init: str | None = None  # "shipped", a model.json or a .pth: fine-tune from these weights
    flow_weight: float = 0.0  # > 0: add flow_weight * L_flow on samples with ground-truth flow (not in the paper)
    epochs: int = 300
    steps: int = 0  # > 0 overrides epochs
    batch: int = 32
    crop: int = 224
    lr: float = 1e-4
    lr_min: float = 1e-6
    warmup: int = -1  # -1: min(2000, 10% of the run)
    weight_decay: float = 1e-3
    seed: int = 1234
    device: str = "auto"
    threads: int = 0
    workers: int = 2
    amp: str = "none"  # none | bf16 | fp16 (CUDA)
    channels_last: bool = False
    compile: bool = False
    out: str = "daek-torch-runs/run"
    resume: bool = False
    checkpoint_every: int = 1000
    keep: int = 3
    log_every: int = 10
    quiet: bool = False
    onnx: bool = True

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @staticmethod
    def from_json(data: dict[str, Any]) -> Settings:
        known = {f.name for f in dataclasses.fields(Settings)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"settings.json has unknown fields {sorted(unknown)} (written by a newer daek-torch?).")
        return Settings(**data)


def load_settings(run: Path) -> Settings:
    """The settings a run folder was started with."""
    file = run / "settings.json"
    if not file.is_file():
        raise FileNotFoundError(f"--resume: {file} not found; {run} is not a daek-torch-train run folder.")
    return Settings.from_json(json.loads(file.read_text()))
