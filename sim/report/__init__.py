"""Plots and report pages."""

from sim.report.plots import standard_plots

__all__ = ["standard_plots"]
