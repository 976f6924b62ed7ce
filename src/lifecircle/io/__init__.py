"""Readers and writers, coordinate systems, input schemas and validation."""
