"""Building blocks named like RIFE's: ``conv()`` = Sequential(Conv2d, PReLU), and a ConvTranspose2d that runs
as one 3x3 phase convolution plus a pixel shuffle."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

# Which 4x4 tap feeds each (output phase, 3x3 offset) of a stride-2, padding-1 transposed convolution, per
# axis: even outputs read taps 3 and 1 at input offsets -1 and 0, odd outputs taps 2 and 0 at offsets 0, +1.
# Index 4 is a zero tap (the weight is padded by one).
_PHASE_TAP = torch.tensor([[3, 1, 4], [4, 2, 0]])


def conv_prelu(in_ch: int, out_ch: int, kernel: int = 3, stride: int = 1, padding: int = 1) -> nn.Sequential:
    """RIFE's ``conv(in, out, k, stride, padding)``: Conv2d with bias, then per-channel PReLU (init 0.25)."""
    return nn.Sequential(nn.Conv2d(in_ch, out_ch, kernel, stride, padding, bias=True), nn.PReLU(out_ch))


class ConvTranspose2d(nn.Module):
    """``nn.ConvTranspose2d(in, out, 4, stride=2, padding=1)`` with the same ``weight`` [in,out,4,4] and
    ``bias`` [out] and the same default initialisation, computed as a 3x3 convolution with 4·out channels
    (one per output phase) and ``pixel_shuffle(2)``.

    Why: Debian's torch 1.13 runs ConvTranspose2d through ``slow_conv_transpose2d`` on CPU (79% of IFNet's
    CPU time at 720p); this form runs on oneDNN/cuDNN convolutions and gives the same numbers.
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.weight = nn.Parameter(torch.empty(in_channels, out_channels, 4, 4))
        self.bias = nn.Parameter(torch.empty(out_channels))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's ConvTranspose2d init: kaiming_uniform(a=√5) with fan_in = weight.shape[1]·16 = out·16."""
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        bound = 1 / math.sqrt(self.out_channels * 16)
        nn.init.uniform_(self.bias, -bound, bound)

    def phase_kernel(self) -> Tensor:
        """The [4·out, in, 3, 3] kernel; output channel ``o·4 + ry·2 + rx`` is phase (ry, rx) of channel o."""
        padded = F.pad(self.weight, (0, 1, 0, 1))  # [in, out, 5, 5], tap 4 is zero
        tap = _PHASE_TAP.to(self.weight.device)
        iy = tap.view(2, 1, 3, 1).expand(2, 2, 3, 3)  # (ry, rx, ty, tx) -> ky
        ix = tap.view(1, 2, 1, 3).expand(2, 2, 3, 3)  # (ry, rx, ty, tx) -> kx
        k = padded[:, :, iy, ix]  # [in, out, 2, 2, 3, 3]
        return k.permute(1, 2, 3, 0, 4, 5).reshape(4 * self.out_channels, self.in_channels, 3, 3)

    def forward(self, x: Tensor) -> Tensor:
        y = F.pixel_shuffle(F.conv2d(x, self.phase_kernel(), padding=1), 2)
        return y + self.bias.view(1, -1, 1, 1)

    def extra_repr(self) -> str:
        return f"{self.in_channels}, {self.out_channels}, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1)"


def deconv_prelu(in_ch: int, out_ch: int) -> nn.Sequential:
    """RIFE's ``deconv(in, out)`` = Sequential(ConvTranspose2d(in, out, 4, 2, 1), PReLU(out))."""
    return nn.Sequential(ConvTranspose2d(in_ch, out_ch), nn.PReLU(out_ch))
