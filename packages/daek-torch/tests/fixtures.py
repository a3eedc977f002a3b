"""Helpers for the golden-tensor tests: the fixture folder, the weight formula, .npy inputs."""

from __future__ import annotations

import json
import math
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import torch

PACKAGE = Path(__file__).resolve().parents[1]
REPO = PACKAGE.parents[1]
FIXTURES = Path(os.environ.get("DAEK_FIXTURES", REPO.parent / "shared" / "fixtures"))
DAEK_SET = Path(os.environ.get("DAEK_FIXTURES_DAEK", FIXTURES / "daek"))

_GAIN = {"conv_weight": 3.375, "deconv_weight": 3.375, "mrb_conv_weight": 1.0}
_M32 = 0xFFFFFFFF


def hash32(p: int, k: np.ndarray) -> np.ndarray:
    """The fixtures' uint32 hash of (tensor index p, flat index k), vectorised over k."""
    with np.errstate(over="ignore"):
        k = k.astype(np.uint32)
        seed = np.uint32(((p * 0x85EBCA77) + 0x27D4EB2F) & _M32)
        x = (k * np.uint32(0x9E3779B1)) ^ seed
        x ^= x >> np.uint32(16)
        x = x * np.uint32(0x7FEB352D)
        x ^= x >> np.uint32(15)
        x = x * np.uint32(0x846CA68B)
        x ^= x >> np.uint32(16)
    return x


def formula_tensor(p: int, kind: str, shape: list[int], fan_in: float | None) -> torch.Tensor:
    """The fixture value of one tensor (manifest ``weight_formula``), in float64 then rounded once to float32."""
    numel = int(np.prod(shape)) if shape else 1
    if kind == "bn_num_batches_tracked":
        return torch.zeros(shape, dtype=torch.int64)
    s = 2.0 * ((hash32(p, np.arange(numel)) >> np.uint32(8)).astype(np.float64) / 16777216.0) - 1.0
    if kind in _GAIN:
        v = s * math.sqrt(_GAIN[kind] / float(fan_in or 0))
    else:
        v = {"bias": lambda: s * 0.05, "prelu": lambda: 0.25 + s * 0.05, "bn_weight": lambda: 1 + s * 0.1,
             "bn_bias": lambda: s * 0.1, "bn_running_mean": lambda: s * 0.1, "bn_running_var": lambda: 1 + s * 0.25,
             "para": lambda: 0.5 + s * 0.25}[kind]()
    return torch.from_numpy(v.astype(np.float32).reshape(shape))


@lru_cache(maxsize=None)
def manifest() -> dict[str, Any]:
    return json.loads((DAEK_SET / "manifest.json").read_text())


def case(name: str) -> dict[str, Any]:
    return next(c for c in manifest()["cases"] if c["name"] == name)


def listing(rel: str = "state_dict.json") -> list[dict[str, Any]]:
    return json.loads((DAEK_SET / rel).read_text())["tensors"]


def formula_state_dict(rel: str = "state_dict.json", key: str = "full_name") -> dict[str, torch.Tensor]:
    return {e[key]: formula_tensor(e["p"], e["kind"], e["shape"], e.get("fan_in")) for e in listing(rel)}


def npy(rel: str) -> torch.Tensor:
    return torch.from_numpy(np.load(DAEK_SET / rel).astype(np.float32))


def inputs(c: dict[str, Any]) -> dict[str, torch.Tensor]:
    return {i["name"]: npy(i["file"]) for i in c["inputs"]}


def outputs(c: dict[str, Any]) -> dict[str, torch.Tensor]:
    return {o["name"]: npy(o["file"]) for o in c["outputs"] if o.get("file")}


def tolerance(c: dict[str, Any], name: str) -> float:
    return float(manifest()["suggested_tolerances"][c["name"]]["abs"][name])


def assert_close(actual: torch.Tensor, expected: torch.Tensor, tol: float, what: str) -> None:
    assert tuple(actual.shape) == tuple(expected.shape), f"{what}: shape {tuple(actual.shape)} != {tuple(expected.shape)}"
    err = (actual.detach().double() - expected.double()).abs().max().item()
    assert err <= tol, f"{what}: max abs error {err:.3g} > tolerance {tol:g}"


def assert_checksum(actual: torch.Tensor, stats: dict[str, Any], abs_tol: float, what: str) -> None:
    a = actual.detach().double()
    assert list(a.shape) == stats["shape"], f"{what}: shape {list(a.shape)} != {stats['shape']}"
    sum_abs = a.abs().sum().item()
    assert abs(sum_abs - stats["sum_abs"]) <= 1e-4 * abs(stats["sum_abs"]), f"{what}: sum_abs {sum_abs} vs {stats['sum_abs']}"
    total = a.sum().item()
    assert abs(total - stats["sum"]) <= abs_tol * math.sqrt(a.numel()), f"{what}: sum {total} vs {stats['sum']}"
