from __future__ import annotations

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
# The fixtures were made with one thread; CI has 2 cores shared by every project.
torch.set_num_threads(1)
