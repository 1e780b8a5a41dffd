"""Preview, up, refresh, outputs and destroy of one tenant stack, through the real CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.core.models import Component
from engine.core.settings import Settings
from engine.pulumi._runner import PulumiRunner
from stacks.local import local_catalog, read_journal
from tests.conftest import make_spec
from tests.engine.conftest import files_under


def test_preview_plans_every_resource_and_changes_nothing(
    engine: PulumiRunner, resources_root: Path
) -> None:
    spec = make_spec("acme", parameters={"infra_resources": "4"})

    result = engine.preview(spec, Component.INFRA)

    assert result.has_changes
    assert sorted(c.name for c in result.planned) == [f"acme-infra-{i}" for i in range(4)]
    assert {c.op for c in result.planned} == {"create"}
    assert result.changes.get("create") == 5  # four files and the stack itself
    # Nothing was created, and no stack is left behind (issue 9, item 6: the preview of a
    # tenant without stacks used to leave an empty one that nothing could then remove).
    assert files_under(resources_root) == []
    assert read_journal(resources_root) == []
    assert engine.list_stacks("acme") == []


def test_up_refresh_destroy_round_trip(engine: PulumiRunner, resources_root: Path) -> None:
    spec = make_spec("acme", parameters={"infra_resources": "3"})

    up = engine.up(spec, Component.INFRA)
    assert up.changes == {"create": 4}
    assert files_under(resources_root, "acme") == [f"acme/infra/{i}.json" for i in range(3)]
    assert up.outputs["storage_path"] == "acme/infra/0.json"
    assert [r["id"] for r in up.outputs["resources"]] == [f"acme/infra/{i}.json" for i in range(3)]

    # Idempotent: a second up changes nothing and creates nothing.
    again = engine.up(spec, Component.INFRA)
    assert again.changes == {"same": 4}
    assert sum(1 for e in read_journal(resources_root) if e["op"] == "create") == 3

    # A resource removed behind Pulumi's back: refresh notices, up puts it back.
    (resources_root / "acme/infra/1.json").unlink()
    refreshed = engine.refresh(spec, Component.INFRA)
    assert refreshed.changes.get("delete") == 1
    healed = engine.up(spec, Component.INFRA)
    assert healed.changes.get("create") == 1
    assert len(files_under(resources_root, "acme")) == 3

    assert engine.outputs("acme", Component.INFRA)["storage_path"] == "acme/infra/0.json"

    destroyed = engine.destroy("acme", Component.INFRA)
    assert destroyed.changes == {"delete": 4}
    assert files_under(resources_root) == []
    # The stack survives a plain destroy, empty.
    assert [s.name for s in engine.list_stacks("acme")] == ["acme-infra"]


def test_destroy_with_remove_deletes_the_stack_and_is_idempotent(
    engine: PulumiRunner, resources_root: Path
) -> None:
    engine.up(make_spec("acme"), Component.APP)

    first = engine.destroy("acme", Component.APP, remove=True)
    second = engine.destroy("acme", Component.APP, remove=True)

    assert first.existed and first.changes == {"delete": 2}
    assert not second.existed
    assert engine.list_stacks("acme") == []
    assert files_under(resources_root) == []


def test_update_of_inputs_is_an_update_not_a_replace(
    engine: PulumiRunner, resources_root: Path
) -> None:
    engine.up(make_spec("acme", app_version="1.0.0"), Component.APP)

    preview = engine.preview(make_spec("acme", app_version="1.1.0"), Component.APP)
    assert [(c.name, c.op) for c in preview.planned] == [("acme-app-0", "update")]

    up = engine.up(make_spec("acme", app_version="1.1.0"), Component.APP)
    assert up.changes == {"update": 1, "same": 1}
    assert up.outputs["app_version"] == "1.1.0"
    assert '"version": "1.1.0"' in (resources_root / "acme/app/0.json").read_text()


def test_retain_data_keeps_stateful_resources_on_destroy(
    engine: PulumiRunner, resources_root: Path
) -> None:
    spec = make_spec("acme", retain_data=True)
    up = engine.up(spec, Component.INFRA)
    assert up.outputs["retained"] == ["acme/infra/0.json"]

    engine.destroy("acme", Component.INFRA, remove=True)

    assert files_under(resources_root) == ["acme/infra/0.json"]


def test_list_stacks_filters_by_tenant(engine: PulumiRunner) -> None:
    engine.up(make_spec("acme"), Component.APP)
    engine.up(make_spec("globex"), Component.APP)
    engine.up(make_spec("globex"), Component.IDP)

    assert [s.name for s in engine.list_stacks("globex")] == ["globex-app", "globex-idp"]
    assert [s.name for s in engine.list_stacks()] == ["acme-app", "globex-app", "globex-idp"]
    # One file each: Pulumi's own stack entry and the provider are not counted (issue 15).
    assert [s.resource_count for s in engine.list_stacks()] == [1, 1, 1]


def test_a_relative_state_dir_puts_local_resources_under_it(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15: with the default relative ``.state``, the files landed under the stack's
    workspace (``.state/workspaces/<stack>/.state/local-resources``): the provider runs
    there, and the catalog handed it a relative root."""
    monkeypatch.chdir(tmp_path)
    relative = Settings(_env_file=None, pulumi=settings.pulumi.model_copy())  # type: ignore[call-arg]
    relative.pulumi.state_dir = Path(".state")
    engine = PulumiRunner(relative, local_catalog(relative), stack_wait=60)

    engine.up(make_spec("relk"), Component.INFRA)

    assert files_under(tmp_path / ".state" / "local-resources", "relk") == [
        f"relk/infra/{i}.json" for i in range(3)
    ]
    assert not list((tmp_path / ".state").glob("workspaces/*/.state"))


def test_removing_a_stack_removes_its_workspace_directory(
    engine: PulumiRunner, settings: Settings
) -> None:
    """Issue 15: workspace directories of removed stacks piled up under the state dir."""
    engine.up(make_spec("gone"), Component.APP)
    workspaces = settings.pulumi.state_dir / "workspaces"
    assert [p.name for p in workspaces.iterdir() if p.name.startswith("gone-")] == ["gone-app"]

    engine.destroy("gone", Component.APP, remove=True)

    assert not [p for p in workspaces.iterdir() if p.name.startswith("gone-")]


@pytest.mark.parametrize("component", [Component.IDP, Component.INFRA, Component.APP])
def test_up_reports_the_outputs_and_changes_the_stack_really_has(
    engine: PulumiRunner, component: Component
) -> None:
    # up reads its outputs and counts from its own engine events, not from three more CLI
    # runs: they must be what the backend holds (secrets masked and named alike).
    spec = make_spec("acme")
    first = engine.up(spec, component)
    assert first.outputs == engine.outputs("acme", component)
    stored = engine.outputs("acme", component, reveal=True)
    assert first.outputs.keys() == stored.keys()
    assert first.secret_outputs == [k for k in sorted(stored) if first.outputs[k] == "[secret]"]
    if component is Component.IDP:
        assert first.secret_outputs == ["client_secret"]
        assert stored["client_secret"] != "[secret]"
    assert set(first.changes) == {"create"} and first.changes["create"] >= 2
    again = engine.up(spec, component)
    assert again.changes == {"same": first.changes["create"]}
    assert again.outputs == first.outputs
