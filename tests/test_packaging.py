"""A wheel built from the repo works outside the checkout, built-in rulesets included."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.mark.slow
def test_wheel_installs_and_scores_outside_the_checkout(tmp_path):
    dist = tmp_path / "dist"
    # Built as pip builds it for a user: in an isolated build environment, from a copy of the
    # repo, so that nothing in the checkout's build/ or egg-info can stand in for the package.
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(dist), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = dist.glob("cx_audit-*.whl")
    # A venv that sees the test environment's dependencies but not the checkout.
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False, system_site_packages=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], capture_output=True, text=True).stdout.strip()
    deps = [p for p in sys.path if p.endswith("site-packages")]
    Path(site, "deps.pth").write_text("\n".join(deps) + "\n")
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--target", site, str(wheel)], capture_output=True, text=True)
    assert install.returncode == 0, install.stderr[-2000:]
    sample = tmp_path / "chat.txt"
    sample.write_text("Agente: Buenos días, le atiende Laura.\nCliente: Hola.\n", encoding="utf-8")
    run = subprocess.run([str(python), "-m", "cx_audit", "score", str(sample), "-f", "json", "--exit-zero"], capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert '"ruleset": "es@' in run.stdout
    # The package really came from the wheel, not from the checkout.
    where = subprocess.run([str(python), "-c", "import cx_audit; print(cx_audit.__file__)"], capture_output=True, text=True, cwd=tmp_path).stdout
    assert str(ROOT) not in where
    listed = subprocess.run([str(python), "-m", "cx_audit", "rules", "validate", "es", "en"], capture_output=True, text=True, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
