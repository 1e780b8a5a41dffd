"""The registry's schema migrations (Alembic): ``env.py``, one file per revision in ``versions/``.

Applied by ``engine.registry._migrate`` whenever a registry is opened; README says how to
add one.
"""
