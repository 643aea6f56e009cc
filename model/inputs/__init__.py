"""Inputs: the only code that opens data/, scenarios/ and calibrated parameter files."""
