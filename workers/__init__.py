"""Celery workers: the entry point and thin tasks that call ``portal`` operations."""
