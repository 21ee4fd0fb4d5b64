"""Writing files so that a failure loses nothing (``kl_derive.files``).

The command-line cases (a full disk, a read-only folder, symbolic links, /dev/full) are in
the bad-input matrix; these are the guarantees of the module itself.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from kl_derive.errors import KLDeriveError
from kl_derive.files import replacing, write_text


def test_an_error_while_writing_keeps_the_old_file_and_leaves_nothing_behind(
    tmp_path: Path,
) -> None:
    target = tmp_path / "fig.png"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), replacing(str(target)) as file:
        file.write(b"half a new fi")
        raise RuntimeError("the drawing failed")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["fig.png"]


def test_the_new_file_replaces_the_old_one_and_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "kl.tex"
    target.write_text("old")
    target.chmod(0o640)
    write_text(str(target), "new ü")
    assert target.read_text(encoding="utf-8") == "new ü"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["kl.tex"]


def test_a_new_file_is_created_as_open_would_create_it(tmp_path: Path) -> None:
    mask = os.umask(0o027)
    try:
        write_text(str(tmp_path / "kl.tex"), "x")
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "kl.tex").stat().st_mode) == 0o640


def test_a_symbolic_link_is_followed_and_stays(tmp_path: Path) -> None:
    (tmp_path / "real.tex").write_text("old")
    (tmp_path / "link.tex").symlink_to("real.tex")
    write_text(str(tmp_path / "link.tex"), "new")
    assert (tmp_path / "link.tex").is_symlink()
    assert (tmp_path / "real.tex").read_text() == "new"


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda d: (d / "a").symlink_to("b") or (d / "b").symlink_to("a"), "symbolic links"),
        (lambda d: (d / "a").mkdir(), "directory"),
        (lambda d: (d / "a").symlink_to(d), "directory"),
        (lambda d: None, "No such file"),  # a/b: the folder a does not exist
    ],
)
def test_what_cannot_be_written_is_one_line(tmp_path: Path, make, says: str) -> None:
    make(tmp_path)
    target = tmp_path / "a"
    path = target / "b" if not target.exists() and not target.is_symlink() else target
    with pytest.raises(KLDeriveError, match=says) as raised:
        write_text(str(path), "x")
    assert "\n" not in str(raised.value)


def test_a_device_is_written_directly() -> None:
    write_text("/dev/null", "x")
    with pytest.raises(KLDeriveError, match="No space left"):
        write_text("/dev/full", "x" * 100_000)
