"""``flask merge-organizations …``: the operator's commands for merging two organisations of one company."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from portal.accounts import operations as accounts
from portal.accounts.models import User
from portal.errors import PortalError
from portal.extensions import db
from portal.lookups import one_or_not_found
from portal.merges import operations
from portal.merges.models import MergeRequest
from portal.organizations.models import Organization

merge_cli = AppGroup(
    "merge-organizations",
    help="Merge two organisations of one company, once the administrators of both have agreed on their home page.",
)


def _operator(email: str) -> User:
    user = accounts.get_user_by_email(email)
    if user is None or not user.is_operator:
        raise click.ClickException(f"No operator with the e-mail address {email}.")
    return user


def _organization(organization_id: int) -> Organization:
    organization = db.session.get(Organization, organization_id)
    if organization is None:
        raise click.ClickException(f"No organisation with the id {organization_id}.")
    return organization


def _fail(error: PortalError) -> click.ClickException:
    db.session.rollback()
    return click.ClickException(str(error.message))


@merge_cli.command("list")
def list_command() -> None:
    """Show the merges proposed and what stops those not yet carried out."""
    for request in db.session.scalars(sa.select(MergeRequest).order_by(MergeRequest.id)):
        if request.done_at is not None:
            state = f"merged {request.done_at:%Y-%m-%d}"
        else:
            agreed = [
                name for name, at in (("kept", request.agreed_at_keep), ("absorbed", request.agreed_at_absorbed)) if at
            ]
            state = "agreed by " + " and ".join(agreed) if agreed else "waiting for both administrators"
        click.echo(
            f"#{request.id}: {request.absorbed_name} ({request.absorbed_id}) into {request.keep.name} "
            f"({request.keep_id}): {state}"
        )
        if request.done_at is None and request.absorbed is not None:
            for problem in operations.merge_conflicts(request.keep, request.absorbed):
                click.echo(f"    refused: {problem}")


@merge_cli.command("propose")
@click.argument("keep_id", type=int)
@click.argument("absorbed_id", type=int)
@click.option("--operator", "email", required=True, help="The e-mail address of the operator proposing it.")
def propose_command(keep_id: int, absorbed_id: int, email: str) -> None:
    """Propose to merge organisation ABSORBED_ID into KEEP_ID; both administrators are then asked to agree."""
    try:
        request = operations.propose_merge(_organization(keep_id), _organization(absorbed_id), by=_operator(email))
    except PortalError as error:
        raise _fail(error) from None
    db.session.commit()
    click.echo(f"Merge #{request.id} proposed; the administrators of both organisations agree on their home page.")


@merge_cli.command("carry-out")
@click.argument("request_id", type=int)
@click.option("--operator", "email", required=True, help="The e-mail address of the operator carrying it out.")
def carry_out_command(request_id: int, email: str) -> None:
    """Carry out merge REQUEST_ID, which both organisations have agreed to."""
    operator = _operator(email)
    try:
        request = one_or_not_found(sa.select(MergeRequest).where(MergeRequest.id == request_id))
        moved = operations.carry_out_merge(request, by=operator)
    except PortalError as error:
        raise _fail(error) from None
    db.session.commit()
    click.echo(f"{request.absorbed_name} has been merged into {request.keep.name}.")
    for column, count in moved.items():
        if count:
            click.echo(f"  {column}: {count}")
