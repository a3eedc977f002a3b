"""The bidirectional correlation volume, BCV (paper §III-C; spec §1.6, §7.2): AMT's BidirCorrBlock."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from .ops import coords_grid


def bilinear_sampler(image: Tensor, coords: Tensor) -> Tensor:
    """Sample ``image`` [N,C,H,W] at pixel coordinates ``coords`` [N,...,2] (x, y); taps outside count 0.

    AMT normalises with ``2x/(W-1) - 1`` and ``align_corners=True``, which divides by zero on a 1-pixel map. The
    ``align_corners=False`` normalisation ``(2x+1)/W - 1`` unnormalises to the same pixel coordinate, so this
    is the same sampler without the NaN (the memory-light lookup of spec §7.2 is NaN-free for the same reason).
    """
    h, w = image.shape[-2:]
    x = (2.0 * coords[..., 0] + 1.0) / w - 1.0
    y = (2.0 * coords[..., 1] + 1.0) / h - 1.0
    return F.grid_sample(image, torch.stack([x, y], dim=-1), mode="bilinear", padding_mode="zeros",
                         align_corners=False)


class BidirCorrelation:
    """AMT's ``BidirCorrBlock`` (raft.py L142-207): the all-pairs correlation of two 1/8 feature maps, its
    transpose, 4-level average-pooled pyramids, and a (2r+1)² window lookup per level (spec §1.6)."""

    def __init__(self, fmap0: Tensor, fmap1: Tensor, levels: int = 4, radius: int = 3) -> None:
        b, c, h, w = fmap0.shape
        self.shape = (b, h, w)
        self.levels = levels
        self.radius = radius
        corr = torch.matmul(fmap0.reshape(b, c, h * w).transpose(1, 2), fmap1.reshape(b, c, h * w))
        corr = corr / math.sqrt(c)  # [B, h*w (img0), h*w (img1)]
        corr_t = corr.transpose(1, 2)
        self.pyramid = self._pyramid(corr.reshape(b * h * w, 1, h, w))
        self.pyramid_t = self._pyramid(corr_t.reshape(b * h * w, 1, h, w))
        r = radius
        d = torch.linspace(-r, r, 2 * r + 1, device=fmap0.device, dtype=fmap0.dtype)
        # AMT's meshgrid(dy, dx) stacked and used as (x, y): the OUTER window index is the x offset.
        outer, inner = torch.meshgrid(d, d, indexing="ij")
        self.delta = torch.stack([outer, inner], dim=-1).view(1, 2 * r + 1, 2 * r + 1, 2)

    def _pyramid(self, corr: Tensor) -> list[Tensor]:
        out = [corr]
        for _ in range(self.levels - 1):
            corr = F.avg_pool2d(corr, 2, stride=2)
            out.append(corr)
        return out

    @property
    def channels(self) -> int:
        """Channels of one direction: levels·(2r+1)²."""
        return self.levels * (2 * self.radius + 1) ** 2

    def _lookup(self, pyramid: list[Tensor], coords: Tensor) -> Tensor:
        b, h, w = self.shape
        centre = coords.permute(0, 2, 3, 1).reshape(b * h * w, 1, 1, 2)
        out = []
        for i, level in enumerate(pyramid):
            sampled = bilinear_sampler(level, centre / 2**i + self.delta)
            out.append(sampled.view(b, h, w, -1))
        return torch.cat(out, dim=3).permute(0, 3, 1, 2).contiguous()

    def __call__(self, coords0: Tensor, coords1: Tensor) -> tuple[Tensor, Tensor]:
        """``corr0`` sampled at ``coords0`` from the img0->img1 volume, ``corr1`` at ``coords1`` from its transpose."""
        return self._lookup(self.pyramid, coords0), self._lookup(self.pyramid_t, coords1)


def bidir_correlation_feature(corr: BidirCorrelation, flow8: Tensor) -> Tensor:
    """The BCV of spec §1.6 at t = 0.5: ``cat(corr_fn(coord + 2·F_t1, coord + 2·F_t0))`` -> [B, 2·L·(2r+1)², h, w]."""
    b, _, h, w = flow8.shape
    coord = coords_grid(b, h, w, flow8.device, flow8.dtype)
    corr0, corr1 = corr(coord + 2.0 * flow8[:, 2:4], coord + 2.0 * flow8[:, 0:2])
    return torch.cat([corr0, corr1], dim=1)
