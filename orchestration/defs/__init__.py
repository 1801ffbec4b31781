"""Dagster definitions grouped by concept: ingestion, transformation, quality, automation."""
