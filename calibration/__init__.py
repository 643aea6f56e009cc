"""Historical data loading, time-series forecasts, model calibration and back-tests."""
