"""The README's tour commands run as written (in a scratch folder that links to the bundled scenarios)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def tour_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    tour = text.split("## A short tour", 1)[1]
    block = re.search(r"```bash\n(.*?)```", tour, re.S).group(1)
    commands = []
    for line in block.splitlines():
        line = line.split("  #", 1)[0].strip()
        if line.startswith("jobsim "):
            commands.append(line)
    return commands


def test_the_readme_has_a_tour_and_the_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in text and "make test" in text
    cmds = tour_commands()
    assert len(cmds) >= 8, cmds
    assert any(c.startswith("jobsim run ") for c in cmds)


@pytest.mark.parametrize("command", tour_commands())
def test_tour_command_runs(command, tmp_path):
    os.symlink(ROOT / "scenarios", tmp_path / "scenarios")
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    # Keep the suite quick: fewer replicates than the files ask for (the commands are otherwise as written).
    if command.startswith(("jobsim run", "jobsim compare")):  # the last --replicates given wins
        command += " --replicates 2"
    proc = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{command}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    assert proc.stdout.strip(), command
    if "--out " in command:
        out = command.split("--out ", 1)[1].split()[0]
        assert (tmp_path / out).exists()
    if "--out-dir" in command:
        out = command.split("--out-dir ", 1)[1].split()[0]
        assert len(list((tmp_path / out).glob("*.nc"))) == 4
