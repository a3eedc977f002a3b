"""DAEK configurations: the final model and every ablation preset of @daek/models (spec §4).

Field names are the TypeScript ``DaekConfig`` fields in snake_case; ``config_to_ts`` / ``config_from_ts``
convert, so a run folder or a tfjs ``model.json`` carries the same configuration in both languages.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any, Literal

TeacherKind = Literal["ours", "rife", "none"]


@dataclass(frozen=True)
class MrbWidths:
    """Widths of an MRB (AMT's update block; spec §1.2, TUNED = AMT-G)."""

    hidden: int = 192
    flow_dim: int = 64
    corr_dim: int = 256
    corr_dim2: int = 192
    fc_dim: int = 188


@dataclass(frozen=True)
class DaekConfig:
    """Everything that defines a DAEK network; defaults are the final configuration (spec §1.2)."""

    meb_widths: tuple[int, int, int] = (240, 150, 90)
    teacher_width: int = 90
    feat_channels: int = 64
    fnet_dim: int = 128
    cnet_dim: int = 256
    encoder_widths: tuple[int, int, int] = (64, 72, 128)
    synthesis_width: int = 16
    mrb: MrbWidths = field(default_factory=MrbWidths)
    corr_levels: int = 4
    corr_radius: int = 3
    use_mrb: bool = True
    use_ca: bool = True
    use_sfa: bool = True
    teacher: TeacherKind = "ours"
    softmax: Literal["channel", "spatial"] = "channel"
    correlation: Literal["all-pairs", "memory-light"] = "all-pairs"
    scales: tuple[int, int, int] = (4, 2, 1)


DAEK_S_OVERRIDES: dict[str, Any] = {
    "meb_widths": (64, 48, 32), "teacher_width": 32, "feat_channels": 8, "fnet_dim": 32, "cnet_dim": 32,
    "encoder_widths": (16, 24, 32), "synthesis_width": 8,
    "mrb": {"hidden": 48, "flow_dim": 24, "corr_dim": 64, "corr_dim2": 48, "fc_dim": 48},
}

#: Every preset of @daek/models (presets.ts ``DAEK_PRESETS``), name -> overrides over the final configuration.
PRESETS: dict[str, dict[str, Any]] = {
    "daek": {},
    "baseline": {"feat_channels": 0, "use_mrb": False, "use_ca": False, "use_sfa": False, "teacher": "rife"},
    "daek-f-ca": {"use_sfa": False},
    "daek-f-sfa": {"use_ca": False},
    "daek-f-da": {},
    "daek-da": {"feat_channels": 0},
    "daek-no-distill": {"teacher": "none"},
    "daek-rt": {"teacher": "rife"},
    "daek-ot": {},
    "rife-ot": {"feat_channels": 0, "use_mrb": False, "teacher": "ours"},
    "baseline-alt": {"feat_channels": 0, "use_ca": False, "use_sfa": False},
    "daek-s": DAEK_S_OVERRIDES,
}

_FIELDS = {f.name for f in dataclasses.fields(DaekConfig)}
_MRB_FIELDS = {f.name for f in dataclasses.fields(MrbWidths)}


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def resolve_config(preset: str = "daek", **overrides: Any) -> DaekConfig:
    """A full configuration from a preset name plus field overrides (snake_case or the TS camelCase).

    Raises:
        ValueError: unknown preset, unknown field or a bad value (the message lists the valid ones).
    """
    preset = preset.replace("_", "-")  # timm-style names (daek_s) are accepted too
    if preset not in PRESETS:
        raise ValueError(f'Unknown DAEK preset "{preset}". Use one of: {", ".join(PRESETS)}.')
    merged: dict[str, Any] = {}
    mrb: dict[str, Any] = {}
    for source in (PRESETS[preset], overrides):
        for key, value in source.items():
            name = _snake(key)
            if name not in _FIELDS:
                raise ValueError(f"Unknown DAEK config field {key!r}. Fields: {', '.join(sorted(_FIELDS))}.")
            if name == "mrb":
                items = dataclasses.asdict(value) if isinstance(value, MrbWidths) else dict(value)
                for mk, mv in items.items():
                    if _snake(mk) not in _MRB_FIELDS:
                        raise ValueError(f"Unknown MRB width {mk!r}. Fields: {', '.join(sorted(_MRB_FIELDS))}.")
                    mrb[_snake(mk)] = int(mv)
            else:
                merged[name] = tuple(value) if isinstance(value, list) else value
    config = DaekConfig(**merged, mrb=MrbWidths(**mrb))
    if config.teacher not in ("ours", "rife", "none"):
        raise ValueError(f"teacher: expected 'ours', 'rife' or 'none', got {config.teacher!r}.")
    if not isinstance(config.feat_channels, int) or config.feat_channels < 0:
        raise ValueError(f"feat_channels: expected an integer >= 0, got {config.feat_channels!r}.")
    if config.softmax not in ("channel", "spatial"):
        raise ValueError(f"softmax: expected 'channel' or 'spatial', got {config.softmax!r}.")
    if config.correlation not in ("all-pairs", "memory-light"):
        raise ValueError(f"correlation: expected 'all-pairs' or 'memory-light', got {config.correlation!r}.")
    return config


def config_to_ts(config: DaekConfig) -> dict[str, Any]:
    """The configuration as @daek/models' ``DaekConfig`` JSON (camelCase, lists)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(DaekConfig):
        value = getattr(config, f.name)
        if isinstance(value, MrbWidths):
            value = {_camel(k): v for k, v in dataclasses.asdict(value).items()}
        elif isinstance(value, tuple):
            value = list(value)
        out[_camel(f.name)] = value
    return out


def config_from_ts(data: dict[str, Any]) -> DaekConfig:
    """Inverse of :func:`config_to_ts` (a full TS ``DaekConfig``, e.g. from a tfjs ``model.json``)."""
    return resolve_config("daek", **data)
