"""A buyer's questionnaire versions: the list of a key's versions, what changed from the previous one, the
YAML and blank Excel downloads, and the draft editor that makes the next version.

Every version is looked up through ``policy.questionnaires``: the buyer's own and the built-ins; another
buyer's reads "not found". Drafts are the buyer's own alone.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from portal.attachments import attachment
from portal.catalog import drafts
from portal.catalog.changes import compare
from portal.catalog.draft_forms import (
    KIND_LABELS,
    ItemForm,
    NewItemForm,
    NewQuestionnaireForm,
    RevisionForm,
)
from portal.catalog.drafts import DraftInvalid
from portal.catalog.models import QuestionnaireDraft, QuestionnaireVersion
from portal.catalog.operations import questionnaire_of
from portal.errors import PortalError
from portal.policy import Action
from portal.policy.questionnaires import (
    get_buyer_draft,
    get_buyer_version,
    list_buyer_drafts,
    list_buyer_versions_of,
    previous_buyer_version,
)
from portal.session_auth import acting_organization, permission_required
from portal.unit_of_work import commits, flash_and_redirect
from questionnaires import Item, Questionnaire
from questionnaires.conditions import unparse
from questionnaires.template_xlsx import build_blank_template
from questionnaires.yaml_io import dump_yaml

bp = Blueprint("questionnaire_versions", __name__, url_prefix="/questionnaires")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


FIELD_LABELS = {
    "text": _l("Question"),
    "guidance": _l("Guidance"),
    "section": _l("Section"),
    "tier": _l("Tier"),
    "scale": _l("Answer choices"),
    "weight": _l("Weight"),
    "critical": _l("Critical item"),
    "required": _l("Must be answered"),
    "evidence": _l("Evidence"),
    "condition": _l("Shown only when"),
    "references": _l("References"),
}


def _lang() -> str:
    return "en" if str(get_locale()) == "en" else "ja"


def describe(field: str, questionnaire: Questionnaire, item: Item) -> str:
    """One field of an item in words, for the page of what changed."""
    lang = _lang()
    if field in ("critical", "required"):
        return _("Yes") if getattr(item, field) else _("No")
    if field == "scale":
        scale = questionnaire.scale_of(item)
        choices = [f"{c.label.get(lang)} ({'—' if c.value is None else f'{c.value:g}'})" for c in scale.choices]
        return " / ".join(choices) or _("Free text")
    if field == "evidence":
        rule = item.evidence
        parts = [rule.describe(questionnaire.scale_of(item), lang)]
        if rule.kinds:
            parts.append(", ".join(str(KIND_LABELS.get(k, k)) for k in rule.kinds))
        if rule.max_age_days is not None:
            parts.append(_("at most %(days)d days old", days=rule.max_age_days))
        return "; ".join(parts)
    words = {
        "text": lambda: item.text.get(lang),
        "guidance": lambda: item.guidance.get(lang) if item.guidance else "—",
        "section": lambda: questionnaire.section(item.section_id).title.get(lang),
        "tier": lambda: questionnaire.level_name(item.tier).get(lang),
        "weight": lambda: f"{item.weight:g}",
        "condition": lambda: unparse(item.condition) if item.condition else "—",
        "references": lambda: "; ".join(f"{k}: {', '.join(v)}" for k, v in item.references.items()) or "—",
    }
    return words[field]()


def _version(version_id: int) -> QuestionnaireVersion:
    version = get_buyer_version(acting_organization(), version_id)
    if version is None:
        abort(404)
    return version


def _draft(draft_id: int) -> QuestionnaireDraft:
    draft = get_buyer_draft(acting_organization(), draft_id)
    if draft is None:
        abort(404)
    return draft


def _revision(form: Any) -> int:
    try:
        return int(form.revision.data or 0)
    except ValueError:
        return 0


@bp.route("/<key>/versions")
@permission_required(Action.QUESTIONNAIRE_BROWSE)
def versions(key: str) -> Any:
    found = list_buyer_versions_of(acting_organization(), key)
    if not found:
        abort(404)
    draft = drafts.get_draft(acting_organization(), key)
    newest = found[-1]
    return render_template(
        "catalog/versions.html",
        versions=list(reversed(found)),
        newest=newest,
        oldest_id=found[0].id,
        title=newest.title_en if _lang() == "en" else newest.title_ja,
        draft=draft,
        form=RevisionForm(),
    )


@bp.route("/versions/<int:version_id>/changes")
@permission_required(Action.QUESTIONNAIRE_BROWSE)
def changes(version_id: int) -> Any:
    version = _version(version_id)
    previous = previous_buyer_version(acting_organization(), version)
    found = compare(questionnaire_of(previous), questionnaire_of(version)) if previous else None
    return render_template(
        "catalog/changes.html",
        version=version,
        previous=previous,
        changes=found,
        questionnaire=questionnaire_of(version),
        old=questionnaire_of(previous) if previous else None,
        lang=_lang(),
        field_labels=FIELD_LABELS,
        describe=describe,
    )


@bp.route("/versions/<int:version_id>/yaml")
@permission_required(Action.QUESTIONNAIRE_BROWSE)
def download_yaml(version_id: int) -> Any:
    version = _version(version_id)
    text = dump_yaml(version.definition).encode("utf-8")
    return attachment([text], mimetype="application/yaml", filename=f"{version.key}-{version.version}.yaml")


@bp.route("/versions/<int:version_id>/template.xlsx")
@permission_required(Action.QUESTIONNAIRE_BROWSE)
def download_template(version_id: int) -> Any:
    version = _version(version_id)
    lang = "en" if request.args.get("lang") == "en" else "ja"
    workbook = build_blank_template(questionnaire_of(version), lang=lang)
    return attachment([workbook], mimetype=XLSX, filename=f"{version.key}-{version.version}-{lang}.xlsx")


@bp.route("/versions/<int:version_id>/draft", methods=["POST"])
@permission_required(Action.QUESTIONNAIRE_MANAGE)
@commits(refused=flash_and_redirect(lambda version_id: url_for(".changes", version_id=version_id)))
def create_draft(version_id: int) -> Any:
    draft, new = drafts.start_draft(acting_organization(), _version(version_id), by=current_user)
    if not new:
        flash(_("This questionnaire already has a draft: continue editing it."), "info")
    return redirect(url_for(".draft", draft_id=draft.id))


def _show_refusal(form: Any, error: PortalError) -> None:
    """Put a refused operation's reasons next to their fields, the rest above the form (as typed)."""
    form.validate()
    problems = error.problems if isinstance(error, DraftInvalid) else {"": [str(error.message)]}
    if isinstance(error, DraftInvalid) and "" not in problems:
        form.form_errors.append(str(error.message))
    for name, reasons in problems.items():
        if name in form:
            form[name].errors = [*form[name].errors, *reasons]
        else:
            form.form_errors.extend(reasons)


def _new_refused(error: PortalError) -> Any:
    form = NewQuestionnaireForm()
    _show_refusal(form, error)
    return _new_page(form, error.http_status)


def _new_page(form: NewQuestionnaireForm, status: int) -> Any:
    """The form for a new questionnaire, with the buyer's drafts still open (a new one has no version page)."""
    drafts_open = [
        (d, drafts.draft_questionnaire(d).title.get(_lang())) for d in list_buyer_drafts(acting_organization())
    ]
    return render_template("catalog/draft_new.html", form=form, drafts_open=drafts_open), status


@bp.route("/drafts/new", methods=["GET", "POST"])
@permission_required(Action.QUESTIONNAIRE_MANAGE)
@commits(refused=_new_refused)
def new_draft() -> Any:
    form = NewQuestionnaireForm()
    if not form.validate_on_submit():
        return _new_page(form, 400 if form.is_submitted() else 200)
    draft = drafts.start_empty_draft(
        acting_organization(),
        (form.key.data or "").strip(),
        (form.title_ja.data or "").strip(),
        (form.title_en.data or "").strip(),
        by=current_user,
    )
    return redirect(url_for(".draft", draft_id=draft.id))


def _section_choices(draft: QuestionnaireDraft) -> list[SelectChoice]:
    return [SelectChoice(s.id, s.title.get(_lang())) for s in drafts.draft_questionnaire(draft).sections]


def _draft_page(draft: QuestionnaireDraft, new_item: NewItemForm | None = None, status: int = 200) -> Any:
    questionnaire = drafts.draft_questionnaire(draft)
    if new_item is None:
        new_item = NewItemForm(formdata=None)
    new_item.section_id.choices = _section_choices(draft)
    new_item.revision.data = str(draft.revision)
    base = draft.base_version
    found = compare(questionnaire_of(base), questionnaire) if base else None
    page = render_template(
        "catalog/draft.html",
        draft=draft,
        questionnaire=questionnaire,
        lang=_lang(),
        new_item=new_item,
        form=RevisionForm(formdata=None, revision=str(draft.revision)),
        changed={c.after.id for c in found.changed} | {i.id for i in found.added} if found else set(),
        removed=found.removed if found else (),
    )
    return page, status


@bp.route("/drafts/<int:draft_id>")
@permission_required(Action.QUESTIONNAIRE_MANAGE)
def draft(draft_id: int) -> Any:
    return _draft_page(_draft(draft_id))


def _item_refused(error: PortalError, draft_id: int, item_id: str) -> Any:
    draft = _draft(draft_id)
    questionnaire = drafts.draft_questionnaire(draft)
    form = ItemForm(questionnaire)
    _show_refusal(form, error)
    return _item_page(draft, item_id, form, error.http_status)


def _item_page(draft: QuestionnaireDraft, item_id: str, form: ItemForm, status: int = 200) -> Any:
    questionnaire = drafts.draft_questionnaire(draft)
    try:
        item = questionnaire.item(item_id)
    except KeyError:
        abort(404)
    page = render_template("catalog/draft_item.html", draft=draft, item=item, form=form, questionnaire=questionnaire)
    return page, status


@bp.route("/drafts/<int:draft_id>/items/<item_id>", methods=["GET", "POST"])
@permission_required(Action.QUESTIONNAIRE_MANAGE)
@commits(refused=_item_refused)
def edit_item(draft_id: int, item_id: str) -> Any:
    draft = _draft(draft_id)
    questionnaire = drafts.draft_questionnaire(draft)
    form = ItemForm(questionnaire)
    if request.method == "GET":
        try:
            form.fill(questionnaire.item(item_id), draft.revision)
        except KeyError:
            abort(404)
        return _item_page(draft, item_id, form)
    if not form.validate_on_submit():
        return _item_page(draft, item_id, form, 400)
    drafts.edit_item(draft, item_id, form.edit(), revision=_revision(form), by=current_user)
    flash(_("Saved question %(id)s.", id=item_id), "success")
    return redirect(url_for(".draft", draft_id=draft.id) + f"#item-{item_id}")


def _add_refused(error: PortalError, draft_id: int) -> Any:
    draft = _draft(draft_id)
    form = NewItemForm()
    form.section_id.choices = _section_choices(draft)
    _show_refusal(form, error)
    return _draft_page(draft, form, error.http_status)


@bp.route("/drafts/<int:draft_id>/items", methods=["POST"])
@permission_required(Action.QUESTIONNAIRE_MANAGE)
@commits(refused=_add_refused)
def add_item(draft_id: int) -> Any:
    draft = _draft(draft_id)
    form = NewItemForm()
    form.section_id.choices = [
        SelectChoice(s.id, s.title.get(_lang())) for s in drafts.draft_questionnaire(draft).sections
    ]
    if not form.validate_on_submit():
        return _draft_page(draft, form, 400)
    item_id = (form.item_id.data or "").strip()
    drafts.add_item(draft, form.section_id.data or "", item_id, revision=_revision(form), by=current_user)
    flash(_("Added question %(id)s: write its text now.", id=item_id), "success")
    return redirect(url_for(".edit_item", draft_id=draft.id, item_id=item_id))


def _back_to_draft(draft_id: int, **_: Any) -> str:
    return url_for(".draft", draft_id=_draft(draft_id).id)


@bp.route("/drafts/<int:draft_id>/items/<item_id>/remove", methods=["POST"])
@permission_required(Action.QUESTIONNAIRE_MANAGE)
@commits(refused=flash_and_redirect(_back_to_draft))
def remove_item(draft_id: int, item_id: str) -> Any:
    draft = _draft(draft_id)
    form = RevisionForm()
    if not form.validate_on_submit():
        abort(400)
    drafts.remove_item(draft, item_id, revision=_revision(form), by=current_user)
    flash(_("Removed question %(id)s from the draft.", id=item_id), "success")
    return redirect(url_for(".draft", draft_id=draft.id))


@bp.route("/drafts/<int:draft_id>/publish", methods=["POST"])
@permission_required(Action.QUESTIONNAIRE_MANAGE)
@commits(refused=flash_and_redirect(_back_to_draft))
def publish(draft_id: int) -> Any:
    draft = _draft(draft_id)
    form = RevisionForm()
    if not form.validate_on_submit():
        abort(400)
    stored = drafts.publish_draft(draft, revision=_revision(form), by=current_user)
    flash(_("Published version %(version)s.", version=stored.version), "success")
    return redirect(url_for(".changes", version_id=stored.id))


@bp.route("/drafts/<int:draft_id>/discard", methods=["POST"])
@permission_required(Action.QUESTIONNAIRE_MANAGE)
@commits(refused=flash_and_redirect(_back_to_draft))
def discard(draft_id: int) -> Any:
    draft = _draft(draft_id)
    if not RevisionForm().validate_on_submit():
        abort(400)
    key = draft.key
    drafts.discard_draft(draft, by=current_user)
    flash(_("The draft was discarded."), "success")
    if list_buyer_versions_of(acting_organization(), key):
        return redirect(url_for(".versions", key=key))
    return redirect(url_for(".new_draft"))
