"""Many replications: seeding, workers, streaming aggregation."""

from sim.montecarlo.run import MonteCarloResult, run_monte_carlo

__all__ = ["MonteCarloResult", "run_monte_carlo"]
