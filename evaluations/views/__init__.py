"""Thin function-based views, one module per area (selfeval, assessment, reports, monitoring)."""
