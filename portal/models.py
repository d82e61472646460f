"""Every model, imported in one place so the metadata (and Alembic) sees all tables."""

from portal.accounts.models import ApiToken, Invitation, PasswordReset, User
from portal.activity.models import ActivityEntry
from portal.catalog.models import QuestionnaireVersion
from portal.mail.models import OutboxMessage
from portal.organizations.models import Membership, Organization, Role
from portal.suppliers.models import Supplier, Tier

__all__ = [
    "ActivityEntry",
    "ApiToken",
    "Invitation",
    "Membership",
    "Organization",
    "OutboxMessage",
    "PasswordReset",
    "QuestionnaireVersion",
    "Role",
    "Supplier",
    "Tier",
    "User",
]
