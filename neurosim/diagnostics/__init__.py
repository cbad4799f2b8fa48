"""Looking inside a network: the doctor, explanations, summaries and gradient checks."""

from neurosim.diagnostics.doctor import Doctor, diagnose
from neurosim.diagnostics.gradient_check import GradientCheckReport, gradient_check
from neurosim.diagnostics.report import Finding, Report
from neurosim.diagnostics.settings import Settings

__all__ = ["Doctor", "Finding", "GradientCheckReport", "Report", "Settings", "diagnose", "gradient_check"]
