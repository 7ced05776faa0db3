"""The wheel an operator installs (`pip install .`, the container image) serves every language: the catalogs,
questionnaires and migrations travel inside it as package data, not beside a checkout.

The wheel is built from a copy of the sources (a stale build/ in the checkout cannot leak into it) and
installed into a new virtual environment. Its dependencies come from this test environment through a .pth
line, which adds that site-packages after the new one without running its editable-install hook: so `bot`,
`dialogs`, `storage` and `locales` can only be the wheel's. No network: the build uses this environment's
setuptools and no package index."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from bot import catalogs
from bot.locales import translator
from dialogs.bidi import strip_marks

ROOT = Path(__file__).resolve().parents[2]
IGNORED = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "tests", "benchmarks"
)


def _run(*args: str | Path, cwd: Path, env: dict[str, str], stdin: str = "") -> str:
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, input=stdin, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"{args}: {result.stdout}{result.stderr}"
    return result.stdout


def _installed_wheel(tmp_path: Path) -> Path:
    """A new virtual environment with only the wheel installed into it; returns its bin/ folder."""
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=IGNORED)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    dist = tmp_path / "dist"
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "-w", dist, source, cwd=tmp_path, env=env)  # fmt: skip
    (wheel,) = dist.glob("mitsprache-*.whl")
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path, env=env)
    python = venv / "bin" / "python"
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", wheel,
         cwd=tmp_path, env=env)  # fmt: skip
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                     cwd=tmp_path, env=env).strip())  # fmt: skip
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "dependencies-from-the-test-env.pth").write_text("\n".join(sorted(ours)) + "\n", encoding="utf-8")
    return venv / "bin"


def test_the_installed_wheel_answers_in_arabic(tmp_path: Path) -> None:
    bin_ = _installed_wheel(tmp_path)
    home = tmp_path / "elsewhere"  # not the checkout: nothing can be found beside the code by accident
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MITSPRACHE_", "PYTHONPATH"))}
    env.update(MITSPRACHE_DATA_DIR=str(tmp_path / "data"), PYTHONUNBUFFERED="1")

    where = _run(bin_ / "python", "-c",
                 "import bot, dialogs, locales, storage; print(bot.__file__, dialogs.__file__, "
                 "locales.__file__, storage.__file__)", cwd=home, env=env)  # fmt: skip
    for module in where.split():
        assert Path(module).is_relative_to(bin_.parent), where

    _run(bin_ / "mitsprache", "db", "upgrade", cwd=home, env=env)  # the migrations are in the wheel too
    # "Ja, einverstanden", then "16 Jahre oder älter": both the first button.
    shown = _run(bin_ / "mitsprache", "chat", "--lang", "ar", cwd=home, env=env, stdin="1\n1\n")
    t = translator("ar")  # the checkout's catalogs say what the installed copy has to show
    # The terminal prints no direction marks (bot/terminal.py).
    assert strip_marks(t._("Ja, einverstanden")) in shown and "Ja, einverstanden" not in shown
    question = strip_marks(t.p_("about.bezirk", "In welchem Berliner Bezirk wohnen Sie?"))  # from the data
    assert question in shown and "In welchem" not in shown, shown

    checked = _run(bin_ / "mitsprache", "catalogs", "check", cwd=home, env=env)
    translated = [code for code in catalogs.shipped_locales() if code != "de"]
    assert checked.count(": ok,") == len(translated) >= 12, checked  # every catalog, with its template
    refused = subprocess.run([bin_ / "mitsprache", "catalogs", "update"], cwd=home, env=env,
                             capture_output=True, text=True, timeout=60)  # fmt: skip
    assert refused.returncode == 1 and "source checkout" in refused.stderr
