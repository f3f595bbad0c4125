"""Outgoing mail: SMTP in production, console in development, memory in tests."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from flask import Flask, current_app

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


def init_mail(app: Flask) -> None:
    app.extensions["mail_outbox"] = []


def outbox() -> list[Mail]:
    box: list[Mail] = current_app.extensions["mail_outbox"]
    return box


def send_mail(to: str, subject: str, body: str) -> None:
    """Send one message through the configured backend."""
    settings = current_app.config["BURROW"]
    mail = Mail(to, subject, body)
    if settings.MAIL_BACKEND == "memory":
        outbox().append(mail)
    elif settings.MAIL_BACKEND == "console":
        log.info("mail to=%s subject=%s\n%s", to, subject, body)
    else:
        _send_smtp(mail)


def _send_smtp(mail: Mail) -> None:
    settings = current_app.config["BURROW"]
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings.MAIL_FROM, mail.to, mail.subject
    message.set_content(mail.body)
    with smtplib.SMTP(settings.SMTP_HOST, settings.SMTP_PORT, timeout=10) as smtp:
        if settings.SMTP_STARTTLS:
            smtp.starttls()
        if settings.SMTP_USER:
            smtp.login(settings.SMTP_USER, settings.SMTP_PASSWORD)
        smtp.send_message(message)
