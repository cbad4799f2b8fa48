"""Looking inside a network: the doctor, explanations, summaries, gradient checks, your arrays compared."""

from neurosim.diagnostics.compare_forward import ForwardComparison, compare_forward
from neurosim.diagnostics.compare_gradients import GradientComparison, compare_gradients
from neurosim.diagnostics.doctor import Doctor, diagnose
from neurosim.diagnostics.gradient_check import GradientCheckReport, gradient_check
from neurosim.diagnostics.report import Finding, Report
from neurosim.diagnostics.settings import Settings
from neurosim.diagnostics.verdicts import Verdict

__all__ = [
    "Doctor",
    "Finding",
    "ForwardComparison",
    "GradientCheckReport",
    "GradientComparison",
    "Report",
    "Settings",
    "Verdict",
    "compare_forward",
    "compare_gradients",
    "diagnose",
    "gradient_check",
]
