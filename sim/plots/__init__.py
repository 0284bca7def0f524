"""Figures (PNG and SVG, matplotlib's Agg backend); imported only when figures are drawn."""

from sim.plots.calibration_figures import draw_calibration_figures
from sim.plots.run_figures import draw_run_figures, run_figure_jobs
from sim.plots.sweep_figures import draw_sweep_figures
from sim.plots.timeline import draw_timeline
from sim.plots.uncertainty_figures import draw_uncertainty_figures, uncertainty_figure_jobs

__all__ = [
    "draw_calibration_figures",
    "draw_run_figures",
    "draw_sweep_figures",
    "draw_timeline",
    "draw_uncertainty_figures",
    "run_figure_jobs",
    "uncertainty_figure_jobs",
]
