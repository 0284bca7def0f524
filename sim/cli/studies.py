"""Commands of studies on top of Monte Carlo: ``sweep`` and ``calibrate`` (to come)."""
