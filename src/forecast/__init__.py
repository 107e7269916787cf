"""forecast: system plan vs negotiated plan on the same sales history."""

from importlib import metadata

try:
    __version__ = metadata.version("forecast-planner")
except metadata.PackageNotFoundError:  # run from a checkout without installing
    __version__ = "0.1.0"
