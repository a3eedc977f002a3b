"""Training data: the Vimeo-90K triplet layout and plain triplet folders, RIFE's augmentation (spec §3.2), and a
data order that depends only on (seed, epoch, position) so that resume and DDP see exactly the same samples."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

#: Frame names of a triplet folder, tried in order: Vimeo's, then @daek/datasets' triplet folders (and its exporter).
TRIPLET_NAMES: tuple[tuple[str, str, str], ...] = (("im1.png", "im2.png", "im3.png"), ("frame0.png", "gt.png", "frame1.png"))

#: Exact ground-truth flow beside a synthetic triplet (`daek-data export ... synthetic`): from the middle frame to
#: frame0 and to frame1, Middlebury .flo, pixels (RIFE's F_t->0 and F_t->1, the flows backward warping uses).
FLOW_NAMES: tuple[str, str] = ("flow_t0.flo", "flow_t1.flo")

#: The Middlebury .flo magic number (float32 202021.25, "PIEH").
FLO_MAGIC = 202021.25


class DataError(ValueError):
    """Bad training data: a missing or empty folder, a list entry outside its root, an unreadable image."""


@dataclass(frozen=True)
class Triplet:
    """Paths of one sample: first frame, ground-truth middle frame, last frame."""

    frame0: Path
    gt: Path
    frame1: Path
    #: Ground-truth flows gt -> frame0 and gt -> frame1 (synthetic scenes only), or None.
    flows: tuple[Path, Path] | None = None


def _flows_in(folder: Path) -> tuple[Path, Path] | None:
    paths = (folder / FLOW_NAMES[0], folder / FLOW_NAMES[1])
    return paths if paths[0].is_file() and paths[1].is_file() else None


def _inside(root: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False


def _triplet_in(folder: Path) -> Triplet | None:
    for names in TRIPLET_NAMES:
        paths = [folder / n for n in names]
        if paths[0].is_file():
            return Triplet(*paths, flows=_flows_in(folder))
    return None


def vimeo_triplets(root: str | os.PathLike[str], split: str = "rife-train") -> list[Triplet]:
    """Vimeo-90K ``vimeo_triplet``: ``tri_trainlist.txt`` (``rife-train`` = its first 95%, ``rife-validation`` the
    rest, as RIFE), ``tri_testlist.txt`` (``test``), frames ``sequences/<entry>/im{1,2,3}.png``.

    Raises:
        DataError: the folder or list is missing or empty, or an entry resolves outside ``sequences/``.
    """
    base = Path(root)
    list_name = "tri_testlist.txt" if split == "test" else "tri_trainlist.txt"
    list_file = base / list_name
    if not list_file.is_file():
        raise DataError(f"vimeo:{root}: no {list_name}. Expected <root>/tri_trainlist.txt and "
                        "<root>/sequences/<00001>/<0001>/im1.png, im2.png, im3.png (the vimeo_triplet layout).")
    lines = [ln.strip() for ln in list_file.read_text().splitlines() if ln.strip()]
    if split in ("rife-train", "rife-validation"):
        cut = int(len(lines) * 0.95)
        lines = lines[:cut] if split == "rife-train" else lines[cut:]
    seq = base / "sequences"
    out = []
    for number, entry in enumerate(lines, 1):
        folder = seq / entry
        if Path(entry).is_absolute() or ".." in Path(entry).parts or not _inside(seq, folder):
            raise DataError(f"vimeo:{root}: {list_name} line {number}: entry {entry!r} resolves outside the dataset "
                            f"root {seq}; list entries must be relative paths below sequences/.")
        out.append(Triplet(folder / "im1.png", folder / "im2.png", folder / "im3.png", _flows_in(folder)))
    if not out:
        raise DataError(f"vimeo:{root}: {list_name} lists no triplets for split {split!r}.")
    return out


def folder_triplets(root: str | os.PathLike[str], max_depth: int = 4) -> list[Triplet]:
    """Every folder below ``root`` (depth <= ``max_depth``) that holds ``im1/im2/im3.png`` or
    ``frame0/gt/frame1.png``, sorted by path. Symbolic links that leave the root are refused.

    Raises:
        DataError: the folder is missing, holds no triplet, or a triplet links outside the root.
    """
    base = Path(root)
    if not base.is_dir():
        raise DataError(f"triplets:{root}: no such folder. Expected <root>/<id>/frame0.png, gt.png, frame1.png "
                        "(or im1.png, im2.png, im3.png), e.g. what `daek-data export` writes.")
    out: list[Triplet] = []
    for dirpath, dirnames, _ in os.walk(base):
        depth = len(Path(dirpath).relative_to(base).parts)
        if depth >= max_depth:
            dirnames.clear()
        dirnames.sort()
        t = _triplet_in(Path(dirpath))
        if t is not None:
            for p in (t.frame0, t.gt, t.frame1, *(t.flows or ())):
                if not _inside(base, p):
                    raise DataError(f"triplets:{root}: {p} resolves outside the dataset root (a symbolic link?).")
            out.append(t)
    if not out:
        raise DataError(f"triplets:{root}: the folder is empty: no frame0.png/gt.png/frame1.png (or im1.png/im2.png/"
                        "im3.png) in any sub-folder. Export a set with `daek-data export` first.")
    return sorted(out, key=lambda t: str(t.frame0))


def parse_sources(spec: str, split: str = "rife-train") -> list[Triplet]:
    """``vimeo:DIR``, ``triplets:DIR`` or a bare folder (auto: Vimeo if it has tri_trainlist.txt), comma-joined."""
    out: list[Triplet] = []
    for part in [p for p in spec.split(",") if p]:
        kind, _, rest = part.partition(":")
        if not rest:
            kind, rest = ("vimeo" if (Path(part) / "tri_trainlist.txt").is_file() else "triplets"), part
        if kind == "vimeo":
            out += vimeo_triplets(rest, split)
        elif kind in ("triplets", "frames-triplets"):
            out += folder_triplets(rest)
        else:
            raise DataError(f"--data: unknown source kind {kind!r} in {part!r}; use vimeo:DIR or triplets:DIR (convert "
                            "videos, frame folders and synthetic scenes with `daek-data export`).")
    if not out:
        raise DataError(f"--data {spec!r}: no triplets.")
    return out


def read_image(path: Path) -> np.ndarray:
    """An RGB uint8 ``[H,W,3]`` array. Raises DataError naming the file when it is missing or corrupt."""
    try:
        with Image.open(path) as im:
            im.load()
            return np.asarray(im.convert("RGB"))
    except FileNotFoundError as err:
        raise DataError(f"{path}: file not found.") from err
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise DataError(f"{path}: cannot decode the image (corrupt or truncated PNG?): {err}") from err


def read_flow(path: Path) -> np.ndarray:
    """A Middlebury .flo file as a float32 ``[H,W,2]`` array (u = dx, v = dy, pixels). Raises DataError naming the
    file when it is missing, not a .flo file, truncated or holds non-finite values."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as err:
        raise DataError(f"{path}: file not found.") from err
    if len(raw) < 12 or float(np.frombuffer(raw[:4], "<f4")[0]) != FLO_MAGIC:
        raise DataError(f"{path}: not a Middlebury .flo file (expected the float32 magic {FLO_MAGIC} first).")
    w, h = (int(v) for v in np.frombuffer(raw[4:12], "<i4"))
    if w <= 0 or h <= 0 or len(raw) != 12 + 8 * w * h:
        raise DataError(f"{path}: header says {w}x{h} but the file has {len(raw)} bytes (expected {12 + 8 * w * h}); "
                        "truncated or corrupt, export it again.")
    flow = np.frombuffer(raw[12:], "<f4").reshape(h, w, 2).astype(np.float32)
    if not np.isfinite(flow).all():
        raise DataError(f"{path}: holds non-finite flow values.")
    return flow


def sample_rng(seed: int, epoch: int, position: int) -> np.random.Generator:
    """The augmentation RNG of one sample: a function of its place in the run only (resume and DDP exact)."""
    return np.random.default_rng([seed, epoch, position, 0xDAE])


def epoch_order(seed: int, epoch: int, n: int) -> np.ndarray:
    """The shuffled sample order of an epoch."""
    return np.random.default_rng([seed, epoch, 0x5EED]).permutation(n)


def augment(frames: list[np.ndarray], crop: int, rng: np.random.Generator) -> list[np.ndarray]:
    """RIFE's training augmentation in its order (spec §3.2): random crop (same window), channel reversal,
    vertical flip, horizontal flip, temporal swap, rotation. ``frames`` = [frame0, gt, frame1], HWC uint8."""
    return augment_sample(frames, None, crop, rng)[0]


def augment_sample(frames: list[np.ndarray], flows: list[np.ndarray] | None, crop: int,
                   rng: np.random.Generator) -> tuple[list[np.ndarray], list[np.ndarray] | None]:
    """:func:`augment`, also applied to the ground-truth flows ``[flow_t0, flow_t1]`` (HW2 float32, pixels) when
    given: flips negate a component, the temporal swap exchanges the two flows, rotations turn the vectors. The
    random draws are the same with or without flows, so adding flow files does not change the data order."""
    h, w = frames[0].shape[:2]
    if h < crop or w < crop:
        raise DataError(f"frames of {w}x{h} are smaller than --crop {crop}; lower --crop or use larger frames.")
    if flows is not None and any(fl.shape != (h, w, 2) for fl in flows):
        raise DataError(f"ground-truth flows of shapes {[fl.shape for fl in flows]} do not match the {w}x{h} frames.")
    y = int(rng.integers(0, h - crop + 1))
    x = int(rng.integers(0, w - crop + 1))
    f = [a[y:y + crop, x:x + crop] for a in frames]
    g = [a[y:y + crop, x:x + crop] for a in flows] if flows is not None else []
    if rng.uniform() < 0.5:
        f = [a[:, :, ::-1] for a in f]
    if rng.uniform() < 0.5:
        f = [a[::-1] for a in f]
        g = [a[::-1] * np.array([1, -1], np.float32) for a in g]
    if rng.uniform() < 0.5:
        f = [a[:, ::-1] for a in f]
        g = [a[:, ::-1] * np.array([-1, 1], np.float32) for a in g]
    if rng.uniform() < 0.5:
        f = [f[2], f[1], f[0]]
        g = g[::-1]
    u = rng.uniform()
    # np.rot90 turns rows and columns; a displacement (u, v) turns with them: clockwise (x, y) -> (-y, x).
    if u < 0.25:
        f = [np.rot90(a, k=-1) for a in f]  # 90 degrees clockwise
        g = [np.stack([-a[..., 1], a[..., 0]], axis=-1) for a in (np.rot90(b, k=-1) for b in g)]
    elif u < 0.5:
        f = [np.rot90(a, k=2) for a in f]
        g = [-np.rot90(a, k=2) for a in g]
    elif u < 0.75:
        f = [np.rot90(a, k=1) for a in f]
        g = [np.stack([a[..., 1], -a[..., 0]], axis=-1) for a in (np.rot90(b, k=1) for b in g)]
    out_flows = [np.ascontiguousarray(a, np.float32) for a in g] if flows is not None else None
    return [np.ascontiguousarray(a) for a in f], out_flows


class TripletDataset(torch.utils.data.Dataset):  # type: ignore[type-arg]
    """Items are keyed by ``(epoch, position, index)``; returns a ``[9,crop,crop]`` uint8 tensor (frame0, gt, frame1).

    With ``with_flow`` an item is ``(frames, flow, has_flow)``: ``flow`` the ``[4,crop,crop]`` float32 ground truth
    (gt -> frame0 in channels 0-1, gt -> frame1 in 2-3, RIFE's layout), zeros with ``has_flow`` False where the
    triplet has no flow files (real footage)."""

    def __init__(self, triplets: list[Triplet], crop: int, seed: int, augment_data: bool = True,
                 with_flow: bool = False) -> None:
        self.triplets = triplets
        self.crop = crop
        self.seed = seed
        self.augment_data = augment_data
        self.with_flow = with_flow
        if with_flow and not augment_data:
            raise ValueError("TripletDataset: with_flow needs augment_data (flows are cropped with the frames).")

    def __len__(self) -> int:
        return len(self.triplets)

    def __getitem__(self, key: tuple[int, int, int]) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        epoch, position, index = key
        t = self.triplets[index]
        frames = [read_image(p) for p in (t.frame0, t.gt, t.frame1)]
        if any(f.shape != frames[0].shape for f in frames):
            raise DataError(f"{t.frame0.parent}: the three frames differ in size: {[f.shape for f in frames]}.")
        flows = [read_flow(p) for p in t.flows] if self.with_flow and t.flows is not None else None
        if flows is not None and any(fl.shape[:2] != frames[0].shape[:2] for fl in flows):
            raise DataError(f"{t.frame0.parent}: the flow files are {flows[0].shape[1]}x{flows[0].shape[0]} but the "
                            f"frames {frames[0].shape[1]}x{frames[0].shape[0]}; export the set again.")
        if self.augment_data:
            frames, flows = augment_sample(frames, flows, self.crop, sample_rng(self.seed, epoch, position))
        x = torch.from_numpy(np.concatenate(frames, axis=2)).permute(2, 0, 1).contiguous()
        if not self.with_flow:
            return x
        if flows is None:
            return x, torch.zeros(4, *x.shape[1:]), torch.tensor(False)
        return x, torch.from_numpy(np.concatenate(flows, axis=2)).permute(2, 0, 1).contiguous(), torch.tensor(True)


class StepBatchSampler(torch.utils.data.Sampler):  # type: ignore[type-arg]
    """Yields, for each step from ``start_step``, this rank's slice of the global batch as dataset keys.

    Step s of epoch e = s // steps_per_epoch takes positions [(s % spe)·B, +B) of the epoch's order (drop_last).
    """

    def __init__(self, n: int, batch: int, seed: int, start_step: int, total_steps: int, rank: int = 0,
                 world: int = 1) -> None:
        if batch % world:
            raise ValueError(f"--batch {batch} must be divisible by the number of processes ({world}).")
        self.n, self.batch, self.seed, self.start, self.total = n, batch, seed, start_step, total_steps
        self.rank, self.world = rank, world
        self.steps_per_epoch = n // batch
        if self.steps_per_epoch == 0:
            raise DataError(f"{n} training triplets are fewer than one batch of {batch}; add data or lower --batch.")

    def __len__(self) -> int:
        return self.total - self.start

    def __iter__(self):  # type: ignore[no-untyped-def]  # noqa: ANN204
        local = self.batch // self.world
        order: np.ndarray | None = None
        order_epoch = -1
        for step in range(self.start, self.total):
            epoch, k = divmod(step, self.steps_per_epoch)
            if epoch != order_epoch:
                order, order_epoch = epoch_order(self.seed, epoch, self.n), epoch
            assert order is not None
            first = k * self.batch + self.rank * local
            yield [(epoch, p, int(order[p])) for p in range(first, first + local)]
