"""Reports over many results: aggregation by group, saved result files, calibration, comparison."""
