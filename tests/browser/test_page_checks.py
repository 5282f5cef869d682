"""check_page itself: it must catch each kind of broken page, not only pass good ones."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.keyboard_checks import keyboard_problems
from tests.browser.page_checks import PageCheckFailed, PageWatch, check

GOOD = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Thing – joinedup</title></head>
<body><main><h1>Thing</h1>{body}</main></body></html>"""


@pytest.mark.parametrize(
    ("body", "title", "expected"),
    [
        ("<h1>Other</h1>", "Thing – joinedup", "exactly one h1"),
        ("", "Another – joinedup", "does not start with the h1"),
        ('<p id="a">x</p><p id="a">y</p>', "Thing – joinedup", "ids used more than once"),
        ('<form method="post" action="/x"><button>Go</button></form>', "Thing – joinedup", "CSRF"),
        ('<div style="width:600px">wide</div>', "Thing – joinedup", "scrolls sideways"),
        ('<img src="data:,">', "Thing – joinedup", "axe-core violations"),
    ],
)
def test_check_page_catches(page: Page, body: str, title: str, expected: str) -> None:
    watch = PageWatch(page).attach()
    page.set_content(GOOD.format(body=body).replace("Thing – joinedup", title))
    with pytest.raises(PageCheckFailed, match=expected):
        check(watch)


def test_check_page_passes_a_good_page(page: Page) -> None:
    watch = PageWatch(page).attach()
    page.set_content(GOOD.format(body="<p>Fine.</p>"))
    check(watch)


def test_check_page_reads_the_html_as_served(page: Page) -> None:
    # The DOM a browser builds is always well formed; the check must parse what the server sent.
    watch = PageWatch(page).attach()
    broken = GOOD.format(body="<p>Unclosed <b>bold</p></b>")
    page.route(
        "http://pages.test/broken",
        lambda route: route.fulfill(status=200, content_type="text/html", body=broken),
    )
    page.goto("http://pages.test/broken")
    with pytest.raises(PageCheckFailed, match="invalid HTML"):
        check(watch)


def test_check_page_fails_on_a_script_error(page: Page) -> None:
    watch = PageWatch(page).attach()
    page.set_content(GOOD.format(body="<p>Fine.</p>"))
    page.evaluate("() => setTimeout(() => { throw new Error('boom'); }, 0)")
    page.wait_for_timeout(100)
    with pytest.raises(PageCheckFailed, match="console errors"):
        check(watch)


# keyboard_checks, like check_page, must catch each kind of page it is there for.
_WIDE = '<div {attrs} style="overflow-x:auto;width:100px"><div style="width:400px">x</div></div>'


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            '<a href="#a">a</a><button style="outline:none">Go</button>',
            "no visible focus on: button",
        ),
        (
            "<button onkeydown=\"if (event.key === 'Tab') event.preventDefault()\">Trap</button>"
            '<a href="#b">after</a>',
            "not reached with the Tab key: a 'after'",
        ),
        (_WIDE.format(attrs=""), "scrolls sideways by itself"),
        (_WIDE.format(attrs='tabindex="0"'), "scrolls sideways by itself"),
    ],
    ids=["no-focus-style", "keyboard-trap", "scroller-not-focusable", "scroller-without-name"],
)
def test_keyboard_checks_catch(page: Page, body: str, expected: str) -> None:
    page.set_content(GOOD.format(body=body))
    assert expected in "\n".join(keyboard_problems(page))


def test_keyboard_checks_pass_a_good_page(page: Page) -> None:
    # One stop for a group of radios; nothing inside a closed details but its summary; a wide
    # table's wrapper that can be focused and has a name.
    body = (
        '<a href="#a">a</a>'
        '<fieldset><legend>Pick</legend><label><input type="radio" name="r" value="1">1</label>'
        '<label><input type="radio" name="r" value="2">2</label></fieldset>'
        '<details><summary>More</summary><a href="#hidden">hidden</a></details>'
        + _WIDE.format(attrs='tabindex="0" role="region" aria-label="A wide table"')
    )
    page.set_content(GOOD.format(body=body))
    assert keyboard_problems(page) == []
