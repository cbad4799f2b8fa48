"""Demos: short scripts that each teach one idea (``neurosim demo --list``)."""
