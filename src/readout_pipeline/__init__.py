"""readout_pipeline: official diplomatic readouts into a DuckDB warehouse."""

__version__ = "0.1.0"
