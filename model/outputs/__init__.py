"""Outputs: each indicator's formula once, labelled Datasets, yearly figures, target evaluation, stores."""
