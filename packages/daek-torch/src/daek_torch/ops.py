"""Tensor operations of spec §7: bilinear resize, RIFE's backward warp, coordinate grids."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def resize(x: Tensor, scale: float) -> Tensor:
    """``F.interpolate(x, scale_factor=scale, bilinear, align_corners=False)``, the only resize of the spec."""
    if scale == 1:
        return x
    return F.interpolate(x, scale_factor=scale, mode="bilinear", align_corners=False, recompute_scale_factor=False)


def resize_flow(flow: Tensor, scale: float) -> Tensor:
    """Resize a flow and scale its values with it (flows are in pixels of their resolution)."""
    return resize(flow, scale) * scale


_GRIDS: dict[tuple[str, torch.dtype, int, int], Tensor] = {}


def _base_grid(h: int, w: int, device: torch.device, dtype: torch.dtype) -> Tensor:
    key = (str(device), dtype, h, w)
    grid = _GRIDS.get(key)
    if grid is None:
        gx = torch.linspace(-1.0, 1.0, w, device=device, dtype=dtype).view(1, 1, w).expand(1, h, w)
        gy = torch.linspace(-1.0, 1.0, h, device=device, dtype=dtype).view(1, h, 1).expand(1, h, w)
        grid = torch.stack([gx, gy], dim=3)
        _GRIDS[key] = grid
    return grid


def warp(image: Tensor, flow: Tensor) -> Tensor:
    """RIFE's backward warp (warplayer.py): sample ``image`` at ``p + flow``, bilinear, border padding."""
    _, _, h, w = image.shape
    grid = _base_grid(h, w, image.device, image.dtype)
    offset = torch.stack([flow[:, 0] / ((w - 1.0) / 2.0), flow[:, 1] / ((h - 1.0) / 2.0)], dim=3)
    return F.grid_sample(image, grid + offset, mode="bilinear", padding_mode="border", align_corners=True)


def coords_grid(batch: int, h: int, w: int, device: torch.device, dtype: torch.dtype = torch.float32) -> Tensor:
    """``[B,2,h,w]`` pixel coordinates, channel 0 = x (column), 1 = y (row) (AMT raft.py)."""
    ys, xs = torch.meshgrid(torch.arange(h, device=device, dtype=dtype),
                            torch.arange(w, device=device, dtype=dtype), indexing="ij")
    return torch.stack([xs, ys], dim=0).unsqueeze(0).expand(batch, 2, h, w)
