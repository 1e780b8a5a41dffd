"""Infra programs, one per tier (component ``infra``)."""

from __future__ import annotations

from .bridge import bridge_program
from .outputs import INFRA_OUTPUTS
from .pooled import pooled_program
from .silo import silo_program

__all__ = ["INFRA_OUTPUTS", "bridge_program", "pooled_program", "silo_program"]
