"""Pure parts of crash recovery and error mapping."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta

from engine.pulumi._failures import useful_output
from engine.pulumi._recovery import is_stale, owner_gone, parse_locks, stack_settings_from_state

LOCKED = (
    "error: the stack is currently locked by 2 lock(s). Either wait for the other process(es) "
    "to end or delete the lock file with `pulumi cancel`.\n"
    "  file:///s/.pulumi/locks/organization/tenants/acme-infra/a.json: created by root@{host} "
    "(pid {pid}) at 2026-11-26T02:00:54.758687293Z\n"
    "  s3://b/.pulumi/locks/organization/tenants/acme-infra/b.json: created by ci@other-host "
    "(pid 7) at 2026-11-26T01:00:00Z\n"
)


def test_parse_locks_reads_owner_and_time() -> None:
    locks = parse_locks(LOCKED.format(host="vm", pid=42))
    assert [(lk.user, lk.host, lk.pid) for lk in locks] == [
        ("root", "vm", 42),
        ("ci", "other-host", 7),
    ]
    assert locks[0].taken_at.tzinfo is not None


def test_lock_of_a_dead_local_process_is_stale_and_of_a_live_one_is_not() -> None:
    host = socket.gethostname()
    now = datetime(2026, 11, 26, 2, 1, tzinfo=UTC)
    dead = parse_locks(LOCKED.format(host=host, pid=2**22 + 12345))[0]
    live = parse_locks(LOCKED.format(host=host, pid=os.getpid()))[0]
    assert is_stale(dead, timedelta(hours=1), now)
    assert not is_stale(live, timedelta(hours=1), now)


def test_lock_from_another_host_is_stale_only_after_the_timeout() -> None:
    other = parse_locks(LOCKED.format(host="vm", pid=1))[1]
    assert not is_stale(other, timedelta(minutes=35), other.taken_at + timedelta(minutes=30))
    assert is_stale(other, timedelta(minutes=35), other.taken_at + timedelta(minutes=36))


def test_a_lock_of_the_previous_attempt_is_broken_unless_its_process_lives_here() -> None:
    host = socket.gethostname()
    other = parse_locks(LOCKED.format(host="vm", pid=1))[1]  # ci@other-host pid 7
    assert owner_gone(other, ["other-host:7"])
    assert not owner_gone(other, ["other-host:8", "vm:7"])
    assert not owner_gone(other, [])
    live = parse_locks(LOCKED.format(host=host, pid=os.getpid()))[0]
    dead = parse_locks(LOCKED.format(host=host, pid=2**22 + 12345))[0]
    assert not owner_gone(live, [f"{host}:{os.getpid()}"])
    assert owner_gone(dead, [f"{host}:{2**22 + 12345}"])


def test_stack_settings_come_back_from_the_checkpoint() -> None:
    kms = {
        "secrets_providers": {
            "type": "cloud",
            "state": {"url": "awskms://alias/t", "encryptedkey": "AQID"},
        }
    }
    restored = stack_settings_from_state(kms)
    assert restored is not None
    assert (restored.secrets_provider, restored.encrypted_key) == ("awskms://alias/t", "AQID")
    salted = stack_settings_from_state(
        {"secrets_providers": {"type": "passphrase", "state": {"salt": "v1:x"}}}
    )
    assert salted is not None and salted.encryption_salt == "v1:x"
    assert stack_settings_from_state({}) is None


def test_useful_output_keeps_errors_and_drops_progress_noise() -> None:
    text = "\n".join(
        ["Updating (acme-infra):", "    +  pulumi:pulumi:Stack tenants-acme-infra creating"]
        + [f"    @ updating....{i}" for i in range(500)]
        + ["error: update failed", "Resources:", "Duration: 3s"]
    )
    assert useful_output(text) == "error: update failed"
    assert len(useful_output("error: " + "x" * 10_000)) <= 2003
