"""The engine's shared types: what workflow code, activities and entry points agree on.

Pure pydantic and the standard library (no Pulumi, no I/O), so workflow code imports
these modules inside the Temporal sandbox:

* ``errors``             the one error hierarchy, drawn as a tree in its docstring
* ``models``             tenants, tiers, components, statuses (validated at the edges)
* ``contracts``          workflow and activity inputs and results (the Temporal payloads)
* ``results``            results of stack operations and Pulumi progress snapshots
* ``settings``           every setting, read once at an entry point
* ``search_attributes``  the Temporal search attributes the workflows set

Import the modules directly (``from engine.core.models import TenantSpec``); this
``__init__`` stays empty so that importing one never imports the others.
"""
