"""MEB, the motion estimation block (paper Fig. 2; spec §1.4): RIFE's IFBlock with C' feature outputs."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .layers import ConvTranspose2d, conv_prelu
from .ops import resize, resize_flow


class MEB(nn.Module):
    """conv0 (two stride-2 convs), eight residual 3x3 convs, a stride-2 transposed conv to 5 + C' channels."""

    def __init__(self, in_planes: int, width: int, feat_channels: int) -> None:
        super().__init__()
        self.in_planes = in_planes
        self.feat_channels = feat_channels
        self.conv0 = nn.Sequential(conv_prelu(in_planes, width // 2, 3, 2, 1), conv_prelu(width // 2, width, 3, 2, 1))
        self.convblock = nn.Sequential(*[conv_prelu(width, width) for _ in range(8)])
        self.lastconv = ConvTranspose2d(width, 5 + feat_channels)

    def forward(self, x: Tensor, flow: Tensor | None, scale: float, feat: Tensor | None = None,
                feat_up: float = 1.0) -> tuple[Tensor, Tensor, Tensor | None]:
        """Full-res ``(flow, mask logit)`` (deltas after the first block) and the native-scale feature."""
        parts = [resize(x, 1.0 / scale)]
        if feat is not None:
            parts.append(resize(feat, feat_up))
        if flow is not None:
            parts.append(resize_flow(flow, 1.0 / scale))
        x = parts[0] if len(parts) == 1 else torch.cat(parts, dim=1)
        if x.shape[1] != self.in_planes:
            raise ValueError(f"MEB: expected {self.in_planes} input channels after concatenation, got {x.shape[1]}.")
        x = self.conv0(x)
        x = self.convblock(x) + x
        tmp = self.lastconv(x)
        up = resize(tmp[:, :5], 2 * scale)
        out_feat = tmp[:, 5:] if self.feat_channels > 0 else None
        return up[:, :4] * (2 * scale), up[:, 4:5], out_feat
