"""Reporting: what the service tells supervisors, regulators and Prometheus about itself.

A read-only room: it may read every room's tables (the one agreed read-model seam) and
writes none. Transparency figures for a period (DSA Arts. 15 and 24) and their report,
the supervisors' dashboard, `/metrics`, and the SVG charts they are drawn with."""

from takedown.reporting import metrics, transparency
from takedown.reporting.charts import bars
from takedown.reporting.dashboard import figures as dashboard_figures
from takedown.reporting.transparency import write as write_transparency

__all__ = [
    "bars",
    "dashboard_figures",
    "metrics",
    "transparency",
    "write_transparency",
]
