"""`flask --app wsgi billing ...`: license key pairs and license issuing (for us, the vendor)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import click
from flask import Flask

from app.entitlements import Edition
from billing import licenses


@click.group("billing")
def billing_cli() -> None:
    """Billing and licensing tools."""


@billing_cli.command("generate-keypair")
def generate_keypair() -> None:
    """Print a new Ed25519 key pair (keep the private key out of the repository)."""
    private, public = licenses.generate_keypair()
    click.echo(f"private: {private}")
    click.echo(f"public:  {public}")


@billing_cli.command("issue-license")
@click.option("--private-key-file", type=click.Path(exists=True, dir_okay=False), required=True)
@click.option("--edition", type=click.Choice(["growth", "ultimate"]), required=True)
@click.option("--licensee", required=True)
@click.option("--days", type=int, default=365, show_default=True)
@click.option("--expiry", help="YYYY-MM-DD (overrides --days)")
def issue_license(
    private_key_file: str, edition: str, licensee: str, days: int, expiry: str | None
) -> None:
    """Sign a license token for a customer and print it."""
    issued = date.today()  # noqa: DTZ011 - a calendar date printed on the license
    until = date.fromisoformat(expiry) if expiry else issued + timedelta(days=days)
    token = licenses.issue(
        private_key=Path(private_key_file).read_text().strip(),
        edition=Edition[edition.upper()],
        licensee=licensee,
        issued=issued,
        expiry=until,
    )
    click.echo(token)


def register(app: Flask) -> None:
    app.cli.add_command(billing_cli)
