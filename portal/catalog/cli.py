"""``flask questionnaires …``: list, validate, publish, import and export questionnaire definitions."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from portal.catalog import operations
from portal.catalog.models import QuestionnaireVersion
from portal.errors import PortalError
from portal.extensions import db
from portal.organizations.models import Organization
from questionnaires import DefinitionError, Questionnaire, Tier, load_builtin, load_file
from questionnaires.crosswalk import CoverageTotals, coverage
from questionnaires.importers.checksheet import preview
from questionnaires.importers.mapping import MAX_MAPPING_BYTES
from questionnaires.importers.table_reading import MAX_FILE_BYTES
from questionnaires.importers.vsaq import VsaqImportError, import_vsaq
from questionnaires.importers.writing import write_definition_yaml
from questionnaires.template_xlsx import build_blank_template

questionnaires_cli = AppGroup("questionnaires", help="Questionnaire definitions: list, validate, import, export.")


NOT_INITIALISED = (
    "The database is not set up yet: run `flask portal init` first "
    "(it creates the tables and loads the built-in questionnaires)."
)


def _database_ready() -> bool:
    """Whether the database has the portal's tables, asked without creating anything: SQLite would make an
    empty file of a missing database on the first connection, so its file must exist first."""
    url = db.engine.url
    on_disk = url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
    if on_disk and not Path(str(url.database)).exists():
        return False
    return sa.inspect(db.engine).has_table(QuestionnaireVersion.__tablename__)


def _require_database() -> None:
    if not _database_ready():
        raise click.ClickException(NOT_INITIALISED)


def _tier_counts(counts: dict[str, int]) -> str:
    return "  ".join(f"{tier}: {counts.get(tier, 0):>3}" for tier in (str(t) for t in Tier))


@questionnaires_cli.command("list")
def list_command() -> None:
    """Published questionnaires with their item counts per tier."""
    _require_database()
    versions = operations.list_versions()
    if not versions:
        click.echo("Nothing is published yet; `flask portal init` loads the built-in questionnaires:")
        for questionnaire in load_builtin():
            counts = {str(t): n for t, n in questionnaire.counts_by_tier().items()}
            click.echo(f"  {questionnaire.key} {questionnaire.version}  {_tier_counts(counts)}  (not loaded)")
        return
    click.echo(f"{'key':<24} {'version':<10} {'items':>5}  per tier{'':<22} title")
    for stored in versions:
        click.echo(
            f"{stored.key:<24} {stored.version:<10} {stored.item_count:>5}  "
            f"{_tier_counts(stored.tier_counts)}  {stored.title_ja}"
        )


@questionnaires_cli.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def validate_command(paths: tuple[Path, ...]) -> None:
    """Check definition files; every problem is printed with its file, path and reason."""
    failed = False
    for path in paths:
        try:
            questionnaire = load_file(path)
        except DefinitionError as error:
            failed = True
            for problem in error.problems:
                click.echo(str(problem), err=True)
        else:
            click.echo(f"{path}: valid, {_summary(questionnaire)}")
    if failed:
        raise SystemExit(1)


@questionnaires_cli.command("publish")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--organization",
    "organization_id",
    type=int,
    default=None,
    help="Id of the buyer organisation that alone may use it (default: every buyer).",
)
def publish_command(path: Path, organization_id: int | None) -> None:
    """Validate a definition file and publish it (a published version can never change)."""
    _require_database()
    organization = db.session.get(Organization, organization_id) if organization_id is not None else None
    if organization_id is not None and organization is None:
        raise click.ClickException(f"No organisation with id {organization_id}.")
    try:
        stored, new = operations.publish(load_file(path), origin="import", organization=organization)
    except DefinitionError as error:
        raise click.ClickException("\n".join(str(p) for p in error.problems)) from None
    except PortalError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    owner = f" for {organization.name} only" if organization else ""
    click.echo(f"{stored.key} {stored.version}: " + ("published" if new else "already published, unchanged") + owner)


@questionnaires_cli.command("import-table")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--mapping",
    "mapping_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML file naming the sheet, header rows and columns (see questionnaires/FORMAT.md).",
)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Definition file to write.")
def import_table_command(source: Path, mapping_path: Path, out: Path) -> None:
    """Turn a CSV or XLSX checksheet into a validated definition file; every problem is listed, nothing written."""
    with source.open("rb") as sheet, mapping_path.open("rb") as mapping:
        # The upload page's engine, with the command line's larger file limit.
        content, rules = sheet.read(MAX_FILE_BYTES + 1), mapping.read(MAX_MAPPING_BYTES + 1)
        result = preview(content, source.name, rules, max_bytes=MAX_FILE_BYTES)
    if result.definition is None:
        for problem in result.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(result.problems)} problem(s) in {source.name}; nothing was written.")
    try:
        questionnaire = write_definition_yaml(result.definition, out)
    except DefinitionError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Wrote {out}: {_summary(questionnaire)}")


@questionnaires_cli.command("import-vsaq")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Definition file to write.")
@click.option("--key", default=None, help="Key of the new definition (default: vsaq-<file name>).")
@click.option("--version", "version", default=None, help="Version of the new definition.")
def import_vsaq_command(source: Path, out: Path, key: str | None, version: str | None) -> None:
    """Turn a VSAQ JSON questionnaire into a validated definition file."""
    try:
        imported = import_vsaq(source, key=key, version=version)
        questionnaire = write_definition_yaml(imported.definition, out)
    except (VsaqImportError, DefinitionError) as error:
        raise click.ClickException(str(error)) from None
    for warning in imported.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"Wrote {out}: {_summary(questionnaire)}")


@questionnaires_cli.command("export-xlsx")
@click.argument("key")
@click.argument("version")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True)
def export_xlsx_command(key: str, version: str, out: Path, lang: str) -> None:
    """Write a blank Excel checksheet of a questionnaire version."""
    questionnaire = _find(key, version)
    out.write_bytes(build_blank_template(questionnaire, lang=lang))
    click.echo(f"Wrote {out}: {_summary(questionnaire)}")


@questionnaires_cli.command("crosswalk")
@click.argument("first", metavar="KEY/VERSION")
@click.argument("second", metavar="KEY/VERSION")
@click.option(
    "--tier", "tier_one", type=click.Choice([str(t) for t in Tier]), help="Only the first's items at this tier."
)
@click.option("--other-tier", type=click.Choice([str(t) for t in Tier]), help="Only the second's items at this tier.")
def crosswalk_command(first: str, second: str, tier_one: str | None, other_tier: str | None) -> None:
    """For each item of the first questionnaire, how many items of the second it covers, exactly and by relation."""
    one, other = _find(*_key_version(first)), _find(*_key_version(second))
    rows = coverage(one, other, tiers=(tier_one, other_tier))
    click.echo(f"{one.key} {one.version} -> {other.key} {other.version}")
    click.echo(f"{'item':<16} {'exact':>5} {'related':>7}")
    for row in rows:
        click.echo(f"{row.item.id:<16} {row.exact:>5} {row.related:>7}")
    back = coverage(other, one, tiers=(other_tier, tier_one))
    for questionnaire, totals in ((one, CoverageTotals.of(rows)), (other, CoverageTotals.of(back))):
        click.echo(
            f"{questionnaire.key} {questionnaire.version}: {totals.exact} items matched exactly, "
            f"{totals.related} only by relation, {totals.none} not at all"
        )


def _key_version(text: str) -> tuple[str, str]:
    key, _, version = text.rpartition("/")
    if not key or not version:
        raise click.BadParameter(f"{text!r}: write KEY/VERSION, e.g. supply-chain/2026.1")
    return key, version


def _find(key: str, version: str) -> Questionnaire:
    """A published version, else a built-in file of that key and version."""
    from questionnaires.validation import build_questionnaire

    stored = operations.get_version(key, version) if _database_ready() else None
    if stored is not None:
        return build_questionnaire(stored.definition, f"{key}/{version}")
    for questionnaire in load_builtin():
        if (questionnaire.key, questionnaire.version) == (key, version):
            return questionnaire
    raise click.ClickException(f"No questionnaire {key} version {version}; see `flask questionnaires list`.")


def _summary(questionnaire: Questionnaire) -> str:
    counts = {str(t): n for t, n in questionnaire.counts_by_tier().items()}
    return f"{questionnaire.key} {questionnaire.version}, {sum(counts.values())} items ({_tier_counts(counts)})"
