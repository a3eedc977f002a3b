"""AMT's BasicEncoder (feat_enc.py; spec §1.5): DAEK's fnet (InstanceNorm) and cnet (BatchNorm)."""

from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor, nn

Norm = Literal["instance", "batch"]


def _norm(kind: Norm, channels: int) -> nn.Module:
    # InstanceNorm2d defaults: affine=False, no running stats -> no state-dict entries (as AMT's fnet).
    return nn.BatchNorm2d(channels) if kind == "batch" else nn.InstanceNorm2d(channels)


class ResidualBlock(nn.Module):
    """``relu(x' + relu(n2(conv2(relu(n1(conv1(x)))))))``, x' = x or n3(conv1x1_s(x)) for stride 2."""

    def __init__(self, in_ch: int, out_ch: int, norm: Norm, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, stride, 1)
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, 1, 1)
        self.relu = nn.ReLU(inplace=True)
        self.norm1 = _norm(norm, out_ch)
        self.norm2 = _norm(norm, out_ch)
        if stride == 1:
            if in_ch != out_ch:
                raise ValueError(f"ResidualBlock: a stride-1 block needs in == out channels, got {in_ch} -> {out_ch}.")
            self.downsample: nn.Module | None = None
        else:
            # Registered twice, as in AMT: norm3 and downsample.1 are the same module (aliased state-dict keys).
            self.norm3 = _norm(norm, out_ch)
            self.downsample = nn.Sequential(nn.Conv2d(in_ch, out_ch, 1, stride), self.norm3)

    def forward(self, x: Tensor) -> Tensor:
        y = self.relu(self.norm1(self.conv1(x)))
        y = self.relu(self.norm2(self.conv2(y)))
        if self.downsample is not None:
            x = self.downsample(x)
        return self.relu(x + y)


class BasicEncoder(nn.Module):
    """conv1 7x7/s2 -> norm -> ReLU, layer1..3 (two ResidualBlocks each, strides 1, 2, 2), conv2 1x1: 1/8 output."""

    def __init__(self, out_dim: int, norm: Norm, widths: tuple[int, int, int] = (64, 72, 128)) -> None:
        super().__init__()
        w1, w2, w3 = widths
        self.norm1 = _norm(norm, w1)  # built before conv1, as AMT does (state-dict order)
        self.conv1 = nn.Conv2d(3, w1, 7, 2, 3)
        self.relu1 = nn.ReLU(inplace=True)
        self.layer1 = nn.Sequential(ResidualBlock(w1, w1, norm, 1), ResidualBlock(w1, w1, norm, 1))
        self.layer2 = nn.Sequential(ResidualBlock(w1, w2, norm, 2), ResidualBlock(w2, w2, norm, 1))
        self.layer3 = nn.Sequential(ResidualBlock(w2, w3, norm, 2), ResidualBlock(w3, w3, norm, 1))
        self.conv2 = nn.Conv2d(w3, out_dim, 1)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, images: list[Tensor]) -> list[Tensor]:
        """Encode images stacked along N (BatchNorm statistics over all of them, as AMT's list call)."""
        x = torch.cat(images, dim=0) if len(images) > 1 else images[0]
        x = self.relu1(self.norm1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        x = self.conv2(x)
        return list(torch.split(x, [i.shape[0] for i in images], dim=0))
