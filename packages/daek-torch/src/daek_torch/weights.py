"""Weight I/O: the tfjs-format weights @daek/models ships (model.json + shards), and .pth files it reads."""

from __future__ import annotations

import json
import os
import tempfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from .presets import DaekConfig, config_from_ts, config_to_ts

#: Keys PyTorch keeps that @daek/models does not (BatchNorm step counters, never read with momentum 0.1).
_IGNORED_SUFFIX = "num_batches_tracked"


class WeightsError(ValueError):
    """A weights file that cannot be loaded: unreadable, corrupt, or for another configuration."""


def _tfjs_to_torch(data: np.ndarray, tf_shape: list[int]) -> np.ndarray:
    arr = data.reshape(tf_shape)
    # conv [kh,kw,in,out] -> [out,in,kh,kw]; conv-transpose [kh,kw,out,in] -> [in,out,kh,kw]: both (3,2,0,1).
    return arr.transpose(3, 2, 0, 1) if arr.ndim == 4 else arr


def read_tfjs_weights(path: str | os.PathLike[str]) -> tuple[dict[str, Tensor], dict[str, Any]]:
    """Read a @daek/models tfjs-format ``model.json`` (float32 or float16 shards).

    Returns:
        ``(state_dict, metadata)``: PyTorch-layout float32 tensors by state-dict key, and
        ``userDefinedMetadata.daek`` (its ``config.daekConfig`` is the network configuration).

    Raises:
        WeightsError: a missing or unreadable file, a shard of the wrong size, a CRC mismatch.
    """
    model_json = Path(path)
    if model_json.is_dir():
        model_json = model_json / "model.json"
    try:
        meta = json.loads(model_json.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise WeightsError(f"{model_json}: cannot read a tfjs model.json ({err}).") from err
    manifest = meta.get("weightsManifest")
    if not isinstance(manifest, list):
        raise WeightsError(f"{model_json}: no weightsManifest; this is not a tfjs-format weights file.")
    daek_meta = (meta.get("userDefinedMetadata") or {}).get("daek") or {}
    state: dict[str, Tensor] = {}
    all_bytes = bytearray()
    for group in manifest:
        blob = b"".join((model_json.parent / p).read_bytes() for p in group["paths"])
        all_bytes += blob
        offset = 0
        for spec in group["weights"]:
            numel = int(np.prod(spec["shape"])) if spec["shape"] else 1
            quant = (spec.get("quantization") or {}).get("dtype")
            if spec.get("dtype") != "float32" or quant not in (None, "float16"):
                raise WeightsError(f"{model_json}: {spec['name']}: dtype {spec.get('dtype')} / quantization {quant} "
                                   "is not supported (float32, optionally float16).")
            dtype = np.float16 if quant == "float16" else np.float32
            size = numel * np.dtype(dtype).itemsize
            if offset + size > len(blob):
                raise WeightsError(f"{model_json}: the weight shards end before {spec['name']}; the files are truncated.")
            values = np.frombuffer(blob, dtype=dtype, count=numel, offset=offset).astype(np.float32)
            offset += size
            state[spec["name"]] = torch.from_numpy(_tfjs_to_torch(values, spec["shape"]).copy())
    expected_crc = daek_meta.get("crc32")
    if expected_crc is not None and f"{zlib.crc32(bytes(all_bytes)):08x}" != expected_crc:
        raise WeightsError(f"{model_json}: CRC32 of the shards is {zlib.crc32(bytes(all_bytes)):08x}, model.json "
                           f"says {expected_crc}: the weight files are corrupt or from another save.")
    return state, daek_meta


def tfjs_config(metadata: dict[str, Any]) -> tuple[str | None, DaekConfig | None]:
    """The preset name and configuration stored in a tfjs model.json's daek metadata (None when absent)."""
    cfg = metadata.get("config") or {}
    ts = cfg.get("daekConfig")
    return cfg.get("model"), (config_from_ts(ts) if isinstance(ts, dict) else None)


def load_into(model: torch.nn.Module, state: dict[str, Tensor], *, allow_missing_prefixes: tuple[str, ...] = (),
              source: str = "weights") -> list[str]:
    """Copy ``state`` into ``model`` after checking every key and shape.

    Args:
        allow_missing_prefixes: model keys that may be absent from ``state`` (e.g. the teacher, which shipped
            inference weights do not carry); they keep their initial values.

    Returns:
        The model keys that were not in ``state`` (all under ``allow_missing_prefixes``).

    Raises:
        WeightsError: unexpected keys, missing keys, or a shape mismatch (typically weights of another preset).
    """
    own = model.state_dict()
    state = {k[len("module."):] if k.startswith("module.") else k: v for k, v in state.items()}
    # Aliased keys (AMT registers a BatchNorm as norm3 and downsample.1): one of them in the file is enough.
    groups: dict[tuple[int, tuple[int, ...]], list[str]] = {}
    for k, t in own.items():
        groups.setdefault((t.data_ptr(), tuple(t.shape)), []).append(k)
    for keys in groups.values():
        present = [k for k in keys if k in state]
        if present:
            state.update({k: state[present[0]] for k in keys if k not in state})
    unexpected = [k for k in state if k not in own and not k.endswith(_IGNORED_SUFFIX)]
    missing = [k for k in own if k not in state and not k.endswith(_IGNORED_SUFFIX)]
    hard_missing = [k for k in missing if not k.startswith(allow_missing_prefixes)]
    wrong = [f"{k}: file {list(v.shape)}, model {list(own[k].shape)}" for k, v in state.items()
             if k in own and tuple(v.shape) != tuple(own[k].shape)]
    if unexpected or hard_missing or wrong:
        lines = [f"{source} do not fit this model (were they saved from another preset or configuration?)"]
        if wrong:
            lines.append("shape mismatches: " + "; ".join(wrong[:8]) + (" ..." if len(wrong) > 8 else ""))
        if hard_missing:
            lines.append(f"missing ({len(hard_missing)}): " + ", ".join(hard_missing[:8]))
        if unexpected:
            lines.append(f"unexpected ({len(unexpected)}): " + ", ".join(unexpected[:8]))
        raise WeightsError("\n  ".join(lines))
    with torch.no_grad():
        for k, v in state.items():
            if k in own:
                own[k].copy_(v.to(own[k].dtype))
    return missing


def load_tfjs_weights(model: torch.nn.Module, path: str | os.PathLike[str], *, strict_teacher: bool = False) -> list[str]:
    """Load a @daek/models tfjs-format ``model.json`` into a DAEK module (the teacher may be absent).

    Raises:
        WeightsError: the file's configuration differs from the model's, or the tensors do not fit.
    """
    state, meta = read_tfjs_weights(path)
    _, stored = tfjs_config(meta)
    own = getattr(model, "config", None)
    if stored is not None and own is not None:
        a, b = config_to_ts(stored), config_to_ts(own)
        diff = [k for k in a if k != "teacher" and k != "correlation" and a[k] != b[k]]
        if diff:
            raise WeightsError(f"{path}: weights were saved from another configuration; fields that differ: "
                               + ", ".join(f"{k} (file {a[k]}, model {b[k]})" for k in diff))
    prefixes: tuple[str, ...] = () if strict_teacher else ("block_tea.", "mrb_tea.")
    return load_into(model, state, allow_missing_prefixes=prefixes, source=str(path))


def atomic_save(obj: Any, path: str | os.PathLike[str]) -> None:
    """``torch.save`` to a temporary file in the same folder, fsync, then rename over ``path``."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_pth(model: torch.nn.Module, path: str | os.PathLike[str], *, include_teacher: bool = True) -> None:
    """Write the state dict as a ``.pth`` that @daek/models' ``readPth`` + ``loadStateDict`` read (float32,
    contiguous, no ``module.`` prefix).

    With the teacher (default) the file loads into ``createInterpolator({model: '<preset>', weights})`` as is:
    the TS presets build their teacher, and a network without one ignores those keys. Without it
    (``include_teacher=False``), TypeScript needs ``daekConfig: {teacher: 'none'}``.
    """
    state = model.state_dict() if include_teacher or not hasattr(model, "student_state_dict") else model.student_state_dict()
    atomic_save({k: v.detach().cpu().contiguous().clone() for k, v in state.items()}, path)
