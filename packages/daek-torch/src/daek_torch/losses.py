"""DAEK's losses (spec §2.2-2.3): RIFE's Laplacian-pyramid L1, the eq. (6) distillation, and the total."""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor

_GAUSS = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0])
_KERNELS: dict[tuple[str, torch.dtype, int], Tensor] = {}


def _kernel(channels: int, device: torch.device, dtype: torch.dtype) -> Tensor:
    key = (str(device), dtype, channels)
    k = _KERNELS.get(key)
    if k is None:
        g = torch.outer(_GAUSS, _GAUSS) / 256.0
        k = g.to(device=device, dtype=dtype).expand(channels, 1, 5, 5).contiguous()
        _KERNELS[key] = k
    return k


def _conv_gauss(x: Tensor, kernel: Tensor) -> Tensor:
    return F.conv2d(F.pad(x, (2, 2, 2, 2), mode="reflect"), kernel, groups=x.shape[1])


def laplacian_pyramid(x: Tensor, max_levels: int = 5) -> list[Tensor]:
    """RIFE's band-pass levels ``current - upsample(downsample(conv_gauss(current)))``; no low-pass residual."""
    _, c, h, w = x.shape
    m = 2**max_levels
    if h % m or w % m or h < 2 * m or w < 2 * m:
        raise ValueError(f"lap_loss: height {h} and width {w} must be multiples of {m} and at least {2 * m} for "
                         f"max_levels {max_levels} (crop or pad the frames, e.g. to a multiple of 32).")
    kernel = _kernel(c, x.device, x.dtype)
    levels = []
    current = x
    for _ in range(max_levels):
        down = _conv_gauss(current, kernel)[:, :, ::2, ::2]
        up = torch.zeros(down.shape[0], c, down.shape[2] * 2, down.shape[3] * 2, device=x.device, dtype=x.dtype)
        up[:, :, ::2, ::2] = down
        levels.append(current - _conv_gauss(up, 4 * kernel))
        current = down
    return levels


def lap_loss(pred: Tensor, target: Tensor, max_levels: int = 5) -> Tensor:
    """``LapLoss(max_levels=5)``: the sum over levels of the mean absolute band-pass difference."""
    if pred.shape != target.shape:
        raise ValueError(f"lap_loss: pred {tuple(pred.shape)} and target {tuple(target.shape)} differ in shape.")
    levels = laplacian_pyramid(pred - target, max_levels)
    total = levels[0].abs().mean()
    for level in levels[1:]:
        total = total + level.abs().mean()
    return total


def error_mask(blend: Tensor, teacher_merged: Tensor, gt: Tensor, threshold: float = 0.01) -> Tensor:
    """RIFE's mask: 1 where the stage's blend error exceeds the teacher's by more than ``threshold``; no gradient."""
    with torch.no_grad():
        student = (blend - gt).abs().mean(1, keepdim=True)
        teacher = (teacher_merged - gt).abs().mean(1, keepdim=True)
        return (student > teacher + threshold).to(blend.dtype)


def distill_loss(teacher_flow: Tensor, teacher_merged: Tensor, student_flows: list[Tensor], blends: list[Tensor],
                 gt: Tensor, form: Literal["l1", "rife-l2"] = "l1", threshold: float = 0.01) -> list[Tensor]:
    """Eq. (6) with RIFE's error mask (A12): one term per stage, ``mean(mean_c|tf.detach() - f_k| · M_k)``.

    ``form='rife-l2'`` is RIFE's ``sqrt(mean_c Δ²)`` distance instead. Sum the terms for L_dis.
    """
    if len(student_flows) != len(blends) or not student_flows:
        raise ValueError("distill_loss: student_flows and blends must be non-empty lists of the same length.")
    target = teacher_flow.detach()
    terms = []
    for flow, blend in zip(student_flows, blends):
        mask = error_mask(blend, teacher_merged, gt, threshold)
        diff = target - flow
        dist = diff.abs().mean(1, keepdim=True) if form == "l1" else (diff**2).mean(1, keepdim=True).sqrt()
        terms.append((dist * mask).mean())
    return terms


def flow_loss(student_flows: list[Tensor], gt_flow: Tensor, has_flow: Tensor) -> Tensor:
    """The optional flow-supervision term (an extension of the paper's loss, issue 16; off unless --flow-weight > 0).

    ``gt_flow`` [B,4,H,W] is the exact flow of a synthetic scene (gt -> frame0, gt -> frame1, pixels) and
    ``has_flow`` [B] marks the samples that have one. Per sample: the L1 distance mean_{c,x,y}|f_k - gt|, averaged
    over the stages k; then the mean over the batch, counting samples without ground truth as 0 (so a batch's term
    scales with its share of synthetic samples and never spikes when only one is present)."""
    if not student_flows:
        raise ValueError("flow_loss: student_flows must be a non-empty list.")
    if gt_flow.shape != student_flows[0].shape:
        raise ValueError(f"flow_loss: ground truth {tuple(gt_flow.shape)} does not match the predicted flows "
                         f"{tuple(student_flows[0].shape)}.")
    weight = has_flow.to(gt_flow.dtype).reshape(-1)
    per_sample = torch.stack([(f.float() - gt_flow).abs().mean(dim=(1, 2, 3)) for f in student_flows]).mean(0)
    return (per_sample * weight).mean()


def total_loss(rec: Tensor, rec_teacher: Tensor | None = None, distill: Tensor | None = None,
               lambda_: float = 0.01) -> Tensor:
    """``L = L_rec + L_rec_tea + λ·L_dis`` (eqs. 7-9); ``L_rec`` alone when there is no teacher."""
    if (rec_teacher is None) != (distill is None):
        raise ValueError("total_loss: give both rec_teacher and distill (a teacher ran) or neither (no teacher).")
    if rec_teacher is None or distill is None:
        return rec
    return rec + rec_teacher + distill * lambda_
