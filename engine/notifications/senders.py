"""Ways to hand a rendered email to a provider: SES, SMTP, or the log (dev default).

A sender sends exactly once per call (no retries of its own: Temporal retries the
activity, and the notifier's outbox decides whether a retry may send again) and maps
its library's exceptions to ``engine.notifications.errors``.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import TYPE_CHECKING, Protocol

from botocore.exceptions import BotoCoreError, ClientError, ReadTimeoutError
from pydantic import SecretStr

from engine.core.errors import NotificationDeliveryError, NotificationRejectedError

from .models import OutgoingEmail

if TYPE_CHECKING:
    from mypy_boto3_ses import SESClient

__all__ = ["EmailSender", "LogSender", "SesSender", "SmtpSender"]

logger = logging.getLogger(__name__)


class EmailSender(Protocol):
    """Sends one email and returns the provider's message id."""

    def send(self, email: OutgoingEmail) -> str: ...


class LogSender:
    """Logs the email instead of sending it (development, tests of the workflow)."""

    def send(self, email: OutgoingEmail) -> str:
        message_id = f"log-{uuid.uuid4().hex}"
        logger.info("email %s to %s: %s", message_id, ", ".join(email.to), email.subject)
        logger.debug("email %s body:\n%s", message_id, email.text)
        return message_id


# SES answers that no retry within an activity's lifetime will fix.
_SES_PERMANENT = frozenset(
    {
        "MessageRejected",
        "MailFromDomainNotVerifiedException",
        "ConfigurationSetDoesNotExist",
        "AccountSendingPausedException",
        "InvalidParameterValue",
    }
)


class SesSender:
    """Amazon SES (or LocalStack/moto through the client's endpoint URL)."""

    def __init__(self, client: SESClient, from_email: str) -> None:
        self._client = client
        self._from = from_email

    def send(self, email: OutgoingEmail) -> str:
        try:
            response = self._client.send_email(
                Source=self._from,
                Destination={"ToAddresses": list(email.to)},
                Message={
                    "Subject": {"Data": email.subject, "Charset": "UTF-8"},
                    "Body": {
                        "Text": {"Data": email.text, "Charset": "UTF-8"},
                        "Html": {"Data": email.html, "Charset": "UTF-8"},
                    },
                },
            )
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code, text = error.get("Code", "Unknown"), error.get("Message", "")
            if code in _SES_PERMANENT:
                raise NotificationRejectedError(f"SES refused the email: {code}: {text}") from exc
            raise NotificationDeliveryError(f"SES failed: {code}: {text}") from exc
        except ReadTimeoutError as exc:
            raise NotificationDeliveryError(f"SES did not answer: {exc}", maybe_sent=True) from exc
        except BotoCoreError as exc:
            raise NotificationDeliveryError(f"SES unreachable: {exc}") from exc
        message_id: str = response["MessageId"]
        return message_id


class SmtpSender:
    """Any SMTP relay; STARTTLS and login when configured (no implicit TLS on 465)."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        from_email: str,
        username: str | None = None,
        password: SecretStr | None = None,
        starttls: bool = False,
        timeout: float = 20.0,
    ) -> None:
        self._host, self._port, self._from = host, port, from_email
        self._username, self._password = username, password
        self._starttls, self._timeout = starttls, timeout

    def _message(self, email: OutgoingEmail) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self._from
        message["To"] = ", ".join(email.to)
        message["Subject"] = email.subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=self._from.rpartition("@")[2] or None)
        message.set_content(email.text)
        message.add_alternative(email.html, subtype="html")
        return message

    def send(self, email: OutgoingEmail) -> str:
        message = self._message(email)
        where = f"{self._host}:{self._port}"
        try:
            with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
                if self._starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self._username:
                    password = self._password.get_secret_value() if self._password else ""
                    smtp.login(self._username, password)
                refused = smtp.send_message(message)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPNotSupportedError) as exc:
            raise NotificationRejectedError(f"SMTP {where} refused the email: {exc}") from exc
        except smtplib.SMTPResponseException as exc:
            # 5xx is the server's final word (bad sender, auth, policy); 4xx is "later".
            error = f"SMTP {where}: {exc.smtp_code} {exc.smtp_error!r}"
            if 500 <= exc.smtp_code < 600:
                raise NotificationRejectedError(error) from exc
            raise NotificationDeliveryError(error) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise NotificationDeliveryError(f"SMTP {where} failed: {exc}") from exc
        if refused:
            logger.warning("SMTP %s refused some recipients: %s", where, ", ".join(refused))
        return str(message["Message-ID"])
