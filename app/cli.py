"""`flask --app wsgi burrow ...` commands."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select

from app.auth.models import User
from app.db import get_session
from app.tenancy import unscoped

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "burrow-demo-password"  # noqa: S105 - local demo login, printed by `make run`


@click.group("burrow")
def burrow() -> None:
    """Burrow administration."""


@burrow.command("seed-demo")
def seed_demo() -> None:
    """Create the demo user, organization and project if absent; print how to log in."""
    from app.auth.schemas import Preferences
    from app.auth.service import find_user_by_email, signup
    from app.projects.models import Project

    session = get_session()
    user = find_user_by_email(DEMO_EMAIL)
    if user is None:
        user, _org, _project = signup(
            email=DEMO_EMAIL,
            password=DEMO_PASSWORD,
            first_name="Demo",
            last_name="User",
            organization_name="Demo organization",
            preferences=Preferences(),
        )
        session.commit()
    with unscoped():
        project = session.scalar(select(Project).where(Project.id == user.last_project_id))
    click.echo(f"Demo login:  {DEMO_EMAIL} / {DEMO_PASSWORD}")
    if project is not None:
        click.echo(f"Project key: {project.api_token}  (project id {project.id})")


@burrow.command("make-staff")
@click.argument("email")
def make_staff(email: str) -> None:
    """Make a user an instance admin."""
    user = get_session().scalar(select(User).where(User.email == email))
    if user is None:
        raise click.ClickException(f"no user {email}")
    user.is_staff = True
    get_session().commit()


def register(app: Flask) -> None:
    app.cli.add_command(burrow)
