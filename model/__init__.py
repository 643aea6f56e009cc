"""jobsim's simulation package: the labour-market agent-based model, its data, scenarios and results."""

__version__ = "0.1.0"
