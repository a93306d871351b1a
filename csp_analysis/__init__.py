"""csp_analysis: reproducible crime and disorder analysis for Community Safety Partnerships."""

__version__ = "0.1.0"
