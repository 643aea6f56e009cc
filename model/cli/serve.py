"""`jobsim app`: start the Streamlit front end (app/Home.py) on this machine, as `make app` does."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import typer

from jobsim.model.cli.errors import EXIT_USAGE, print_error

DEFAULT_PORT = 8501


def app_script() -> Path:
    """The app's entry script inside the installed jobsim (found without importing the app)."""
    spec = importlib.util.find_spec("jobsim.app")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("jobsim.app is not installed")
    return Path(spec.origin).parent / "Home.py"


def serve(
    port: int = typer.Option(DEFAULT_PORT, min=1, max=65535, help="the port to serve on (http://localhost:PORT)"),
    address: str = typer.Option("localhost", help="the address to listen on; localhost keeps the app on this machine"),
    home: Path = typer.Option(None, help="the app's folder for saved scenarios and full-precision results "
                                         "(default ./jobsim_app; also JOBSIM_APP_HOME)"),
) -> None:
    """Open the app: build, compare and present scenarios in the browser (needs the `app` extra)."""
    if importlib.util.find_spec("streamlit") is None:
        print_error("the app needs the `app` extra: pip install 'jobsim[app]' (make test and make app install it)")
        raise typer.Exit(EXIT_USAGE)
    env = dict(os.environ)
    if home is not None:
        env["JOBSIM_APP_HOME"] = str(home.resolve())
    # Uploads are scenario files: Streamlit refuses anything over 1 MB before the app reads it (the app
    # checks the exact limit again); the viewer toolbar has no developer menu.
    command = [sys.executable, "-m", "streamlit", "run", str(app_script()), "--server.port", str(port),
               "--server.address", address, "--browser.gatherUsageStats", "false", "--server.maxUploadSize", "1",
               "--client.toolbarMode", "viewer"]
    typer.echo(f"jobsim app at http://{address}:{port} (Ctrl-C stops it)", err=True)
    raise typer.Exit(subprocess.call(command, env=env))
