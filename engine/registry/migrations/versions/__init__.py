"""Revisions of the registry's schema, oldest first by id (``0001_initial``, ``0002_...``)."""
