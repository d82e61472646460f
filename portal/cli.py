"""Command-line tasks for operators: ``flask portal …`` and ``flask users …``."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup
from flask_migrate import upgrade

from portal.accounts import operations as accounts
from portal.accounts.models import User
from portal.errors import PortalError
from portal.extensions import db
from portal.mail.links import link_to

portal_cli = AppGroup("portal", help="Install and run the portal.")
users_cli = AppGroup("users", help="Manage user accounts.")


def register_cli(app: Flask) -> None:
    from portal.catalog.cli import questionnaires_cli
    from portal.demo import seed_demo_command
    from portal.merges.cli import merge_cli

    portal_cli.add_command(seed_demo_command)
    app.cli.add_command(portal_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(questionnaires_cli)
    app.cli.add_command(merge_cli)


@portal_cli.command("init")
def init_command() -> None:
    """Bring the database schema up to date and load the built-in data. Safe to run again."""
    upgrade()
    from portal.catalog.operations import load_builtin_questionnaires

    try:
        summary = load_builtin_questionnaires()
    except PortalError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    for line in summary:
        click.echo(line)
    click.echo("The database is ready.")


@portal_cli.command("create-operator")
@click.option("--email", prompt=True, help="The operator's e-mail address.")
@click.option("--name", default="Operator", show_default=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--another", is_flag=True, help="Create an operator even though one exists already.")
def create_operator_command(email: str, name: str, password: str, another: bool) -> None:
    """Create the first operator account (the only account not made from an invitation)."""
    has_operator = db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.is_operator))
    if has_operator and not another:
        raise click.ClickException("An operator exists already; pass --another to add one more.")
    try:
        user = accounts.create_user(email=email, name=name, password=password, is_operator=True)
    except PortalError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(f"Operator {user.email} created. Sign in at {link_to('accounts.sign_in')}")


@portal_cli.command("send-reminders")
def send_reminders_command() -> None:
    """Queue and send today's reminders now (beat does this every hour)."""
    from datetime import date

    from portal.campaigns.reminders import send_action_reminders, send_assessment_reminders
    from portal.mail.dispatch import send_outbox_soon

    queued = send_assessment_reminders(date.today()) + send_action_reminders(date.today())
    db.session.commit()
    send_outbox_soon()
    click.echo(f"{queued} reminders queued.")


@users_cli.command("token")
@click.argument("email")
@click.option("--name", default="cli", show_default=True, help="A label to tell tokens apart.")
def token_command(email: str, name: str) -> None:
    """Print a new API token for EMAIL. It is shown once; only its hash is stored."""
    user = accounts.get_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No user with the e-mail address {email}.")
    _, token = accounts.create_api_token(user, name)
    db.session.commit()
    click.echo(token)
