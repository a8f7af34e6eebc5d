"""From a built wheel in a fresh virtualenv, ``alertbot demo`` and ``alertbot init`` work in an
empty folder: the example rules, the demo day and the starter files ship inside the package.

The wheel is built from a copy of the sources (the worktree is left untouched) and installed
with ``--no-deps``; the fresh environment borrows this one's dependencies through a ``.pth``
file instead of downloading them again, so only the wheel's own contents are under test.
"""

from __future__ import annotations

import shutil
import site
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=120, check=True
    )


def test_demo_from_an_installed_wheel_in_an_empty_folder(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source)
    for folder in ("alertbot", "rules"):
        shutil.copytree(
            ROOT / folder,
            source / folder,
            symlinks=True,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "-q",
        "--no-deps",
        "-w",
        tmp_path / "dist",
        ".",
        cwd=source,
    )
    (wheel,) = (tmp_path / "dist").glob("alertbot-*.whl")

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "-q",
        "--no-deps",
        wheel,
        cwd=tmp_path,
    )
    purelib = run(
        python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=tmp_path
    ).stdout.strip()
    (Path(purelib) / "borrowed-deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")

    empty = tmp_path / "empty"
    empty.mkdir()
    demo = run(venv / "bin" / "alertbot", "demo", cwd=empty)
    assert "VI 발동 삼성전자(005930)" in demo.stdout
    assert "site-packages/alertbot/examples" in demo.stdout  # the packaged rules, not a clone's
    assert list(empty.iterdir()) == []  # the demo leaves nothing behind

    run(venv / "bin" / "alertbot", "init", cwd=empty)  # the starter files ship too
    checked = run(venv / "bin" / "alertbot", "check", "rules", cwd=empty)
    assert "rules: 이상 없음 — 규칙 4개" in checked.stdout
