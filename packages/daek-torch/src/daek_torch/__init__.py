"""daek_torch: the DAEK video frame interpolation network in PyTorch, weight-compatible with @daek/models.

>>> import daek_torch
>>> model = daek_torch.create_model("daek-s", pretrained=True)   # the shipped weights
>>> out = model(img0, img1)                                       # NCHW float in [0, 1]
>>> out.output.shape
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .losses import distill_loss, lap_loss, total_loss
from .model import DAEK, NetworkOutputs, TeacherOutputs
from .optim import adamw, learning_rate
from .presets import PRESETS, DaekConfig, MrbWidths, config_from_ts, config_to_ts, resolve_config
from .weights import WeightsError, load_tfjs_weights, read_tfjs_weights, save_pth

__version__ = "0.1.0"

__all__ = [
    "DAEK", "PRESETS", "DaekConfig", "MrbWidths", "NetworkOutputs", "TeacherOutputs", "WeightsError", "adamw",
    "config_from_ts", "config_to_ts", "create_model", "distill_loss", "lap_loss", "learning_rate",
    "list_models", "load_tfjs_weights", "read_tfjs_weights", "resolve_config", "save_pth", "shipped_weights",
    "total_loss",
]


def list_models() -> list[str]:
    """Every preset name of @daek/models."""
    return list(PRESETS)


def shipped_weights(name: str) -> Path | None:
    """The ``model.json`` of the weights @daek/models ships for ``name`` (only ``daek-s``), or None.

    Looked up in the package (``daek_torch/weights/<name>``, in a wheel) and then in the monorepo checkout
    (``packages/models/weights/<name>``).
    """
    here = Path(__file__).resolve().parent
    for root in (here / "weights", here.parents[2] / "models" / "weights"):
        candidate = root / name / "model.json"
        if candidate.is_file():
            return candidate
    return None


def create_model(name: str = "daek", pretrained: bool | str = False, **overrides: Any) -> DAEK:
    """Build a preset of @daek/models as an ``nn.Module`` (timm-style).

    Args:
        name: any preset (``daek``, ``daek-s``, ``baseline``, ``daek-rt``, ...; see :func:`list_models`); the
            timm-style spelling with underscores (``daek_s``) works too.
        pretrained: True loads the shipped weights (``daek-s`` only; the teacher keeps its fresh init), or a
            path to a tfjs ``model.json`` or a ``.pth`` state dict.
        **overrides: configuration fields over the preset, e.g. ``teacher="none"``, ``feat_channels=32``.

    Raises:
        ValueError: unknown preset or field; ``pretrained=True`` for a preset without shipped weights.
        WeightsError: weights that do not fit the configuration.
    """
    name = name.replace("_", "-")
    model = DAEK(resolve_config(name, **overrides))
    if pretrained is True:
        path = shipped_weights(name)
        if path is None:
            raise ValueError(f"create_model: no shipped weights for {name!r} (only daek-s ships weights); pass "
                             "pretrained=<path to model.json or .pth> or pretrained=False.")
        load_tfjs_weights(model, path)
    elif isinstance(pretrained, str) and pretrained:
        import torch

        from .weights import load_into

        if pretrained.endswith(".json") or Path(pretrained).is_dir():
            load_tfjs_weights(model, pretrained)
        else:
            state = torch.load(pretrained, map_location="cpu")
            if isinstance(state, dict) and "model" in state and isinstance(state["model"], dict):
                state = state["model"]
            load_into(model, state, allow_missing_prefixes=("block_tea.", "mrb_tea."), source=pretrained)
    return model
