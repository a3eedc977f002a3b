"""Packaging: one version with the npm workspace, the console script, the CLI's errors."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

import daek_torch
from daek_torch.train.cli import parser, settings_from_args

ROOT = Path(__file__).resolve().parents[1]


def test_version_is_the_workspace_version() -> None:
    version = json.loads((ROOT / "package.json").read_text())["version"]
    assert daek_torch.__version__ == version, "run `npm run sync-version -w @daek/torch` after `changeset version`"
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert meta["project"]["requires-python"] == ">=3.11"
    assert meta["project"]["scripts"]["daek-torch-train"] == "daek_torch.train.cli:main"


def test_help_documents_the_daek_train_flags() -> None:
    text = parser().format_help()
    for flag in ("--data", "--val", "--val-count", "--val-every", "--preset", "--config", "--teacher", "--init",
                 "--epochs", "--steps", "--batch", "--crop", "--lr", "--lr-min", "--warmup", "--weight-decay", "--seed",
                 "--out", "--resume", "--checkpoint-every", "--keep", "--log-every", "--quiet", "--benchmark",
                 "--device", "--amp", "--channels-last", "--compile"):
        assert flag in text, flag


def test_cli_errors_are_named(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="--data is required"):
        settings_from_args([])
    with pytest.raises(SystemExit, match="multiple of 32"):
        settings_from_args(["--data", "triplets:x", "--crop", "100"])
    with pytest.raises(FileNotFoundError, match="not a daek-torch-train run folder"):
        settings_from_args(["--out", str(tmp_path), "--resume"])
    s, _ = settings_from_args(["--data", "triplets:x", "--preset", "daek-s", "--config", '{"featChannels": 4}'])
    assert s.preset == "daek-s" and s.config == {"featChannels": 4} and s.lr == 1e-4 and s.batch == 32
