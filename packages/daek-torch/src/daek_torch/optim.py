"""AdamW with decoupled weight decay and the warmup + cosine schedule of spec §3.1 (RIFE train.py, A13)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch


def adamw(params: Iterable[torch.nn.Parameter], lr: float = 1e-4, weight_decay: float = 1e-3,
          betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> torch.optim.AdamW:
    """``torch.optim.AdamW`` with DAEK's settings, on all parameters (RIFE passes ``flownet.parameters()``).

    torch's AdamW is exactly @daek/distill's: ``p·(1 - lr·wd)``, then the Adam update with per-parameter step
    counts, ``m/(1-β1^t)`` and ``sqrt(v)/sqrt(1-β2^t) + eps``. ``foreach=False`` keeps the per-tensor loop, the
    same arithmetic order on every device.
    """
    return torch.optim.AdamW(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=False)


def learning_rate(step: int, total_steps: int, peak: float = 1e-4, floor: float = 1e-6, warmup: int = 2000) -> float:
    """``peak·step/warmup`` during the warmup, then cosine from ``peak`` to ``floor`` at ``total_steps``.

    Raises:
        ValueError: ``total_steps <= warmup``, a negative step, or ``floor > peak``.
    """
    if warmup < 0 or total_steps <= warmup:
        raise ValueError(f"learning_rate: total_steps ({total_steps}) must exceed warmup ({warmup}).")
    if step < 0:
        raise ValueError(f"learning_rate: step must be >= 0, got {step}.")
    if not 0 <= floor <= peak:
        raise ValueError(f"learning_rate: need 0 <= floor ({floor}) <= peak ({peak}).")
    if step < warmup:
        return peak * (step / warmup)
    if step >= total_steps:
        return floor
    return (peak - floor) * (math.cos((step - warmup) / (total_steps - warmup) * math.pi) * 0.5 + 0.5) + floor
