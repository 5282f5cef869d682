"""Email addresses: trimmed, domain lower-cased, basic syntax."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.standards.email import normalise_email, split_emails
from joinedup.standards.errors import StandardsError

EMAILS = [
    (" Jo.Bloggs@Example.ORG ", "Jo.Bloggs@example.org", "local part kept, domain lowered"),
    ("jo+council@example.org", "jo+council@example.org", "plus addressing"),
    ("mailto:jo@example.org", "jo@example.org", "mailto: prefix"),
    ("<jo@example.org>", "jo@example.org", "angle brackets"),
    ("jo@mail.example.co.uk", "jo@mail.example.co.uk", "subdomains"),
    ("jo@example.org.", "jo@example.org", "trailing root dot"),
    ("zoë@exämple.org", "zoë@exämple.org", "internationalised"),
    # Copied out of Outlook, or noted: the address was lost ("invalid part before the @").
    ("Ann Smith <ann@example.org>", "ann@example.org", "a display name before the address"),
    ('"Smith, Ann" <ann@example.org>', "ann@example.org", "a quoted display name"),
    ("ann.smith@nhs.net (work)", "ann.smith@nhs.net", "a note after the address"),
]

REJECT = [
    ("", "blank", "blank"),
    ("jo.example.org", "exactly one @", "no @"),
    ("jo@@example.org", "exactly one @", "two @"),
    ("a@example.org; b@example.com", "more than one email address", "two: the caller splits"),
    ("@example.org", "before the @", "no local part"),
    ("jo bloggs@example.org", "before the @", "space"),
    (".jo@example.org", "misplaced dot", "leading dot"),
    ("jo..b@example.org", "misplaced dot", "doubled dot"),
    ("jo@example", "domain", "no top-level domain"),
    ("jo@-example.org", "domain", "label starts with a hyphen"),
    ("jo@example.c", "top-level domain", "one-letter TLD"),
    ("jo@example.123", "top-level domain", "numeric TLD"),
    ("(work) jo", "exactly one @", "a bracket with no address before it"),
]


SPLIT = [
    ("a@example.org; b@example.com", ("a@example.org", "b@example.com"), "Outlook's semicolon"),
    ("a@example.org,b@example.com", ("a@example.org", "b@example.com"), "comma"),
    ("a@example.org / b@example.com", ("a@example.org", "b@example.com"), "slash"),
    ("a@example.org\nb@example.com", ("a@example.org", "b@example.com"), "two lines"),
    ("a@example.org b@example.com", ("a@example.org", "b@example.com"), "a space"),
    ("a@example.org", ("a@example.org",), "one address"),
    ("jo@@example.org", ("jo@@example.org",), "two @ in one address is not two addresses"),
    ("a@example.org; none", ("a@example.org; none",), "only one address in the cell"),
]


@pytest.mark.parametrize(("text", "expected", "why"), SPLIT)
def test_split_emails(text: str, expected: tuple[str, ...], why: str) -> None:
    assert split_emails(text) == expected, why


@pytest.mark.parametrize(("text", "expected", "why"), EMAILS)
def test_normalise_email(text: str, expected: str, why: str) -> None:
    assert normalise_email(text) == expected, why


@pytest.mark.parametrize(("text", "reason", "why"), REJECT)
def test_normalise_email_rejects(text: str, reason: str, why: str) -> None:
    with pytest.raises(StandardsError) as raised:
        normalise_email(text)
    assert reason in raised.value.reason, why
    assert "@" not in raised.value.reason.replace("the @", "").replace("one @", ""), why


@given(st.emails())
def test_generated_emails_are_accepted_and_idempotent(email: str) -> None:
    once = normalise_email(email)
    assert normalise_email(once) == once
    assert once.split("@")[0] == email.split("@")[0]


@given(st.text(max_size=40))
def test_arbitrary_text_is_idempotent_or_rejected(text: str) -> None:
    try:
        once = normalise_email(text)
    except StandardsError:
        return
    assert normalise_email(once) == once
