"""A minimal SMTP server on 127.0.0.1 (EHLO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, QUIT).

Python 3.12 dropped ``smtpd`` and ``aiosmtpd`` is not a dependency; this is enough for
``smtplib`` to deliver a message, and it keeps what it received for the test to read.
It speaks plain text only: STARTTLS is not offered, so a client that requires it fails.
"""

from __future__ import annotations

import base64
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage


@dataclass
class Received:
    mail_from: str
    rcpt_to: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class SmtpServer:
    host: str
    port: int
    received: list[Received] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    # Set to make the server refuse every recipient (a permanent 5xx, like a bad mailbox).
    reject_recipients: bool = False


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        state = self.server.state
        mail_from, rcpt_to = "", list[str]()
        self.reply("220 test-smtp ready")
        while line := self.rfile.readline():
            verb, _, arg = line.decode().rstrip("\r\n").partition(" ")
            verb = verb.upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250-test-smtp\r\n250-AUTH PLAIN\r\n250 8BITMIME")
            elif verb == "AUTH" and arg.upper().startswith("PLAIN "):
                _, user, password = base64.b64decode(arg[6:]).decode().split("\0")
                state.logins.append((user, password))
                self.reply("235 2.7.0 authenticated")
            elif verb == "MAIL":
                mail_from, rcpt_to = arg.partition(":")[2].strip().strip("<>"), []
                self.reply("250 OK")
            elif verb == "RCPT" and state.reject_recipients:
                self.reply("550 5.1.1 mailbox unavailable")
            elif verb == "RCPT":
                rcpt_to.append(arg.partition(":")[2].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                lines = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                state.received.append(Received(mail_from, rcpt_to, b"".join(lines)))
                self.reply("250 OK queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:  # RSET, NOOP and anything else: accept and move on
                self.reply("250 OK")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    state: SmtpServer


@contextmanager
def running_smtp(port: int = 0) -> Iterator[SmtpServer]:
    """An SMTP server on ``port`` (0: any free one) until the block ends."""
    with _Server(("127.0.0.1", port), _Handler) as server:
        server.state = SmtpServer("127.0.0.1", server.server_address[1])
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield server.state
        finally:
            server.shutdown()
            thread.join()
