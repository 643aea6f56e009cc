"""The simulation core: the agent-based model, its populations, programmes and matching (no file I/O)."""
