"""Studies built on the Monte Carlo layer: parameter sweeps and calibration.

``sweep`` runs a scenario at the points of a design (grid, Latin hypercube, Saltelli) with
Sobol indices for the last; ``calibrate`` infers unknown parameters from a coarse report by
rejection sampling and predicts what the next attack would do. Neither reaches into the
engine: both build scenarios (``parameters``) and hand replications to Monte Carlo.
"""
