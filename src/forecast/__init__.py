"""forecast: system plan vs negotiated plan on the same sales history."""

__version__ = "0.1.0"
