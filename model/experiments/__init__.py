"""Experiments: run specifications evaluated as ensembles (sequentially or in worker processes), comparisons."""
