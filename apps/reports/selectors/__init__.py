"""Reads behind the report pages: aggregate queries only, a fixed number per page."""

from apps.reports.selectors.overview import company_overview

__all__ = ["company_overview"]
