"""daek-torch-train: DAEK training in PyTorch, one process or many (torchrun/DDP)."""

from .data import DataError, folder_triplets, parse_sources, vimeo_triplets
from .run import train
from .settings import Settings

__all__ = ["DataError", "Settings", "folder_triplets", "parse_sources", "train", "vimeo_triplets"]
