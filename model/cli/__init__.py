"""The `jobsim` command line: typer only, one module per command group; no domain logic."""
