"""Looking inside a network: explanations, summaries and gradient checks."""

from neurosim.diagnostics.gradient_check import GradientCheckReport, gradient_check

__all__ = ["GradientCheckReport", "gradient_check"]
