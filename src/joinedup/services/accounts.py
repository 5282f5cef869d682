"""Accounts: the public surface over the modules that hold each part of an account's life.

Callers (the web pages, the admin API, the demo, tests) import from here; each name lives in
the module named for what it holds:

- :mod:`~joinedup.services.users`: finding accounts and how a username is written;
- :mod:`~joinedup.services.account_lifecycle`: making an account, switching it off and on;
- :mod:`~joinedup.services.resident_accounts`: the person id a resident's account names;
- :mod:`~joinedup.services.passwords`: password rules, hashes, reset and change;
- :mod:`~joinedup.services.sign_in`: signing in, throttled after repeated failures;
- :mod:`~joinedup.services.api_tokens`: API tokens for systems;
- :mod:`~joinedup.services.web_sessions`: web sessions and the purpose stated for one;
- :mod:`~joinedup.services.stated_purpose`: checking a stated purpose and case reference;
- :mod:`~joinedup.services.organisations`: partner organisations;
- :mod:`~joinedup.services.account_input`: the errors the account functions raise;
- :mod:`~joinedup.services.account_audit`: an administrator's change on the audit trail.

Functions take the caller's SQLAlchemy ``Session`` and only flush: the caller's unit of work
(``store.db.session_scope``) commits. Secrets are shown once and stored hashed: passwords with
argon2id, API and session tokens as SHA-256 (:mod:`~joinedup.services.secret_digest`).
"""

from __future__ import annotations

from joinedup.policy.vocabulary import ROLES
from joinedup.services.account_input import (
    NAME_MAX,
    AlreadyExists,
    AlreadySo,
    Invalid,
    LastAdministrator,
    NotFound,
    OwnAccount,
)
from joinedup.services.account_lifecycle import create_user, set_active
from joinedup.services.api_tokens import (
    SCOPES,
    TOKEN_PREFIX,
    IssuedToken,
    get_token,
    issue_token,
    list_tokens,
    revoke_token,
    token_status,
)
from joinedup.services.organisations import (
    KIND_MAX,
    ORGANISATION_ID,
    RESERVED_ORGANISATION_IDS,
    create_organisation,
    list_organisations,
)
from joinedup.services.passwords import (
    MIN_PASSWORD_LENGTH,
    PASSWORD_MAX,
    ChangeRefused,
    change_own_password,
    hash_password,
    password_problem,
    reset_password,
)
from joinedup.services.resident_accounts import PERSON_ID_MAX, resident_person_id
from joinedup.services.secret_digest import sha256_hex
from joinedup.services.sign_in import (
    LOCKOUT,
    MAX_FAILED_SIGN_INS,
    SIGN_IN_FAILED,
    authenticate,
    is_locked,
)
from joinedup.services.stated_purpose import (
    CASE_REFERENCE_MAX,
    ROLES_STATING_PURPOSE,
    ContextError,
    check_context,
    purpose_label,
)
from joinedup.services.users import (
    USER_SEARCH_MAX,
    USERNAME,
    UserPage,
    find_user,
    get_user,
    list_users,
    normalise_username,
    page_of_users,
)
from joinedup.services.web_sessions import (
    SESSION_IDLE,
    SESSION_MAX,
    TOUCH_EVERY,
    IssuedSession,
    end_session,
    set_session_context,
    start_session,
)

__all__ = [
    "CASE_REFERENCE_MAX",
    "KIND_MAX",
    "LOCKOUT",
    "MAX_FAILED_SIGN_INS",
    "MIN_PASSWORD_LENGTH",
    "NAME_MAX",
    "ORGANISATION_ID",
    "PASSWORD_MAX",
    "PERSON_ID_MAX",
    "RESERVED_ORGANISATION_IDS",
    "ROLES",
    "ROLES_STATING_PURPOSE",
    "SCOPES",
    "SESSION_IDLE",
    "SESSION_MAX",
    "SIGN_IN_FAILED",
    "TOKEN_PREFIX",
    "TOUCH_EVERY",
    "USERNAME",
    "USER_SEARCH_MAX",
    "AlreadyExists",
    "AlreadySo",
    "ChangeRefused",
    "ContextError",
    "Invalid",
    "IssuedSession",
    "IssuedToken",
    "LastAdministrator",
    "NotFound",
    "OwnAccount",
    "UserPage",
    "authenticate",
    "change_own_password",
    "check_context",
    "create_organisation",
    "create_user",
    "end_session",
    "find_user",
    "get_token",
    "get_user",
    "hash_password",
    "is_locked",
    "issue_token",
    "list_organisations",
    "list_tokens",
    "list_users",
    "normalise_username",
    "page_of_users",
    "password_problem",
    "purpose_label",
    "reset_password",
    "resident_person_id",
    "revoke_token",
    "set_active",
    "set_session_context",
    "sha256_hex",
    "start_session",
    "token_status",
]
