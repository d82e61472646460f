"""The buyer's questionnaires (質問票) page and bringing in an Excel checksheet: upload → map → preview → publish."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from portal.attachments import attachment
from portal.background.models import BackgroundJob, JobState
from portal.catalog import uploads
from portal.catalog.mapping_form import (
    ANSWER_KINDS,
    COLUMN_FIELDS,
    FIELD_OF_KEY,
    MappingForm,
    column_choices,
    form_from_mapping,
    form_from_post,
    mapping_from_form,
    output_from_form,
)
from portal.errors import PortalError, UserInputError
from portal.evidence.sniffing import clean_filename
from portal.policy import Action, may
from portal.session_auth import acting_organization, current_membership, permission_required
from portal.unit_of_work import commits, flash_and_redirect
from questionnaires.importers.checksheet import MAX_UPLOAD_BYTES
from questionnaires.importers.problems import Problem
from questionnaires.yaml_io import read_yaml

bp = Blueprint("checksheets", __name__, url_prefix="/questionnaires")
MB = 1024 * 1024
#: A refused step's message shown on the mapping page or the preview, again.
_BACK_TO_MAPPING = flash_and_redirect(lambda upload_id: url_for("checksheets.mapping", upload_id=upload_id))
_BACK_TO_PREVIEW = flash_and_redirect(lambda upload_id: url_for("checksheets.preview", upload_id=upload_id))


def _lang() -> str:
    return "en" if str(get_locale()) == "en" else "ja"


@bp.route("/")
@permission_required(Action.QUESTIONNAIRE_BROWSE)
def index() -> Any:
    """The buyer's own questionnaires and the built-in ones."""
    return render_template(
        "catalog/index.html",
        own=uploads.own_versions(acting_organization()),
        builtin=uploads.builtin_versions(),
        may_manage=may(current_membership(), Action.QUESTIONNAIRE_MANAGE),
    )


def _upload_refused(error: PortalError) -> Any:
    return render_template(
        "catalog/checksheet_upload.html", error=str(error.message), limit_mb=MAX_UPLOAD_BYTES // MB
    ), 400


def _read_upload(name: str = "file") -> tuple[bytes, str]:
    """The posted file's bytes (read no further than the limit) and its cleaned name."""
    file = request.files.get(name)
    if file is None or not file.filename:
        raise UserInputError(_("Please choose a file."))
    content = file.stream.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise UserInputError(_("The file is larger than %(mb)d MB.", mb=MAX_UPLOAD_BYTES // MB))
    return content, clean_filename(file.filename)


@bp.route("/import", methods=["GET", "POST"])
@permission_required(Action.QUESTIONNAIRE_MANAGE)
@commits(refused=_upload_refused)
def upload() -> Any:
    """Upload a checksheet (and, optionally, the mapping file used for its previous version)."""
    if request.method == "POST":
        content, filename = _read_upload()
        job = uploads.start_upload(acting_organization(), content, filename, by=current_user)
        mapping_file = request.files.get("mapping")
        if mapping_file is not None and mapping_file.filename:
            uploads.set_mapping(job, _posted_mapping(mapping_file.stream.read(256 * 1024 + 1)))
        return redirect(url_for("checksheets.mapping", upload_id=job.id))
    return render_template("catalog/checksheet_upload.html", error=None, limit_mb=MAX_UPLOAD_BYTES // MB)


def _posted_mapping(text: bytes) -> dict[str, Any]:
    try:
        data = read_yaml(text.decode("utf-8-sig"))
    except Exception:  # any YAML or decoding error: the file is not a mapping file
        data = None
    if not isinstance(data, dict):
        raise UserInputError(_("The mapping file cannot be read: upload a mapping file downloaded from this page."))
    return data


def _upload(upload_id: int) -> BackgroundJob:
    return uploads.get_upload(acting_organization(), upload_id, by=current_user)


def _mapping_page(job: BackgroundJob, form: MappingForm, problems: tuple[Problem, ...] = (), status: int = 200) -> Any:
    grid = uploads.sheet_of(job, form.values.get("sheet") or None)
    rows = form.values.get("header_rows") or "1"
    header_rows = int(rows) if rows.isascii() and rows.isdigit() and len(rows) < 3 else 1
    by_field: dict[str, list[Problem]] = {}
    general: list[Problem] = []
    for problem in problems:
        name = FIELD_OF_KEY.get((problem.key or "").split(".")[0].split("[")[0])
        (by_field.setdefault(name, []) if name else general).append(problem)
    return render_template(
        "catalog/checksheet_mapping.html",
        job=job,
        grid=grid,
        header_rows=header_rows,
        columns=column_choices(grid.rows, header_rows),
        form=form,
        column_fields=COLUMN_FIELDS,
        answer_kinds=ANSWER_KINDS,
        by_field=by_field,
        general=general,
        lang=_lang(),
    ), status


@bp.route("/import/<int:upload_id>", methods=["GET", "POST"])
@permission_required(Action.QUESTIONNAIRE_MANAGE)
@commits(refused=_BACK_TO_MAPPING)
def mapping(upload_id: int) -> Any:
    """The sheet's first rows as a grid and the column pickers; saving goes on to the preview."""
    job = _upload(upload_id)
    if job.state != JobState.QUEUED:
        return redirect(url_for("checksheets.preview", upload_id=job.id))
    if request.method == "GET":
        return _mapping_page(job, form_from_mapping(job.params["mapping"], job.params["output"]))
    if request.form.get("action") == "sheet":  # another sheet or header row count: propose again, show the grid
        form = form_from_post(request.form)
        form.errors.clear()
        return _mapping_page(job, form)
    form = form_from_post(request.form)
    mapping_data = mapping_from_form(form, job.params["mapping"])
    form.errors.update(uploads.output_problems(output_from_form(form)))
    problems = () if form.errors else uploads.check_mapping(mapping_data, acting_organization(), job)
    if form.errors or problems:
        return _mapping_page(job, form, problems, status=400)
    uploads.set_mapping(job, mapping_data, output_from_form(form))
    return redirect(url_for("checksheets.preview", upload_id=job.id))


@bp.route("/import/<int:upload_id>/mapping-file", methods=["POST"])
@permission_required(Action.QUESTIONNAIRE_MANAGE)
@commits(refused=_BACK_TO_MAPPING)
def upload_mapping(upload_id: int) -> Any:
    """Use a mapping file downloaded earlier (for the previous version of the checksheet)."""
    job = _upload(upload_id)
    content, _filename = _read_upload("mapping")
    uploads.set_mapping(job, _posted_mapping(content))
    flash(_("The mapping file has been applied."), "success")
    return redirect(url_for("checksheets.mapping", upload_id=job.id))


@bp.route("/import/<int:upload_id>/mapping.yaml")
@permission_required(Action.QUESTIONNAIRE_MANAGE)
def download_mapping(upload_id: int) -> Any:
    """The mapping as a file, the same the command line takes; upload it again with the next version."""
    job = _upload(upload_id)
    content = uploads.mapping_yaml(job, acting_organization()).encode("utf-8")
    key = job.params["output"]["key"]
    return attachment([content], mimetype="application/yaml", filename=f"{key}-mapping.yaml", size=len(content))


@bp.route("/import/<int:upload_id>/preview")
@permission_required(Action.QUESTIONNAIRE_MANAGE)
def preview(upload_id: int) -> Any:
    """The sections and questions the checksheet makes, their counts, and every problem with what to change."""
    job = _upload(upload_id)
    result = uploads.preview_upload(job, acting_organization())
    return render_template(
        "catalog/checksheet_preview.html",
        job=job,
        result=result,
        published=job.state == JobState.DONE,
        lang=_lang(),
        limit_mb=MAX_UPLOAD_BYTES // MB,
        scale_words=_scale_words,
    )


def _scale_words(scale: dict[str, Any]) -> str:
    """How a question on ``scale`` is answered, in words: its choices, or "free text"."""
    if scale.get("kind") == "text":
        return _("Free text")
    lang = _lang()
    return " / ".join(str(choice["label"].get(lang, "")) for choice in scale.get("choices", []))


@bp.route("/import/<int:upload_id>/file", methods=["POST"])
@permission_required(Action.QUESTIONNAIRE_MANAGE)
@commits(refused=_BACK_TO_PREVIEW)
def replace_file(upload_id: int) -> Any:
    """A corrected checksheet for the same mapping."""
    job = _upload(upload_id)
    content, filename = _read_upload()
    uploads.replace_file(job, content, filename)
    flash(_("The corrected file has been read with the same mapping."), "success")
    return redirect(url_for("checksheets.preview", upload_id=job.id))


@bp.route("/import/<int:upload_id>/publish", methods=["POST"])
@permission_required(Action.QUESTIONNAIRE_MANAGE)
@commits(refused=_BACK_TO_PREVIEW)
def publish(upload_id: int) -> Any:
    """Publish the previewed questionnaire as the buyer's own."""
    job = _upload(upload_id)
    stored = uploads.publish_upload(job, acting_organization(), by=current_user)
    flash(
        _(
            "%(title)s version %(version)s has been published. Only your organisation sees it; you can now send "
            "it in a campaign.",
            title=stored.title_ja if _lang() == "ja" else stored.title_en,
            version=stored.version,
        ),
        "success",
    )
    return redirect(url_for("checksheets.index"))
