"""Plots and report pages."""

__all__ = ["standard_plots"]


def __getattr__(name: str):
    # matplotlib is imported only when plots are made (``livesim run --no-plots`` needs the pages only)
    if name == "standard_plots":
        from sim.report.plots import standard_plots

        return standard_plots
    raise AttributeError(f"module 'sim.report' has no attribute {name!r}")
