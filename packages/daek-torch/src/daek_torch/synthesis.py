"""RIFE's synthesis network (refine.py; spec §1.9, A10): Contextnet feature pyramids and the Unet residual."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .layers import conv_prelu, deconv_prelu
from .ops import resize_flow, warp


class Conv2(nn.Module):
    """RIFE's ``Conv2(in, out, stride=2)``: conv(in, out, 3, stride, 1) then conv(out, out, 3, 1, 1)."""

    def __init__(self, in_ch: int, out_ch: int, stride: int = 2) -> None:
        super().__init__()
        self.conv1 = conv_prelu(in_ch, out_ch, 3, stride, 1)
        self.conv2 = conv_prelu(out_ch, out_ch, 3, 1, 1)

    def forward(self, x: Tensor) -> Tensor:
        return self.conv2(self.conv1(x))


class Contextnet(nn.Module):
    """Features at 1/2..1/16, each warped by the flow halved alongside."""

    def __init__(self, c: int = 16) -> None:
        super().__init__()
        self.conv1 = Conv2(3, c)
        self.conv2 = Conv2(c, 2 * c)
        self.conv3 = Conv2(2 * c, 4 * c)
        self.conv4 = Conv2(4 * c, 8 * c)

    def forward(self, x: Tensor, flow: Tensor) -> list[Tensor]:
        out = []
        for level in (self.conv1, self.conv2, self.conv3, self.conv4):
            x = level(x)
            flow = resize_flow(flow, 0.5)
            out.append(warp(x, flow))
        return out


class Unet(nn.Module):
    """RIFE's Unet: ``sigmoid(conv(...))``, the caller turns it into the residual ``2u - 1``."""

    def __init__(self, c: int = 16) -> None:
        super().__init__()
        self.down0 = Conv2(17, 2 * c)
        self.down1 = Conv2(4 * c, 4 * c)
        self.down2 = Conv2(8 * c, 8 * c)
        self.down3 = Conv2(16 * c, 16 * c)
        self.up0 = deconv_prelu(32 * c, 8 * c)
        self.up1 = deconv_prelu(16 * c, 4 * c)
        self.up2 = deconv_prelu(8 * c, 2 * c)
        self.up3 = deconv_prelu(4 * c, c)
        self.conv = nn.Conv2d(c, 3, 3, 1, 1)

    def forward(self, img0: Tensor, img1: Tensor, warped0: Tensor, warped1: Tensor, mask_logit: Tensor, flow: Tensor,
                c0: list[Tensor], c1: list[Tensor]) -> Tensor:
        s0 = self.down0(torch.cat([img0, img1, warped0, warped1, mask_logit, flow], dim=1))
        s1 = self.down1(torch.cat([s0, c0[0], c1[0]], dim=1))
        s2 = self.down2(torch.cat([s1, c0[1], c1[1]], dim=1))
        s3 = self.down3(torch.cat([s2, c0[2], c1[2]], dim=1))
        x = self.up0(torch.cat([s3, c0[3], c1[3]], dim=1))
        x = self.up1(torch.cat([x, s2], dim=1))
        x = self.up2(torch.cat([x, s1], dim=1))
        x = self.up3(torch.cat([x, s0], dim=1))
        return torch.sigmoid(self.conv(x))
