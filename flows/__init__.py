"""Prefect flows: thin tasks over `readout_pipeline`, adding retries and the DAG."""
