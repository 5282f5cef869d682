"""Keyboard checks for a page as shown (used by ``test_every_page``; each is cheap enough to run
on every page at two widths, but they press Tab once per control, so journeys do not call them).

- every control a user can see (link, button, field, ``summary``, anything with a tab index of
  0 or more) is reached by pressing Tab from the top of the page (WCAG 2.1.1 Keyboard); of a
  group of radios, one is enough, as the arrow keys move within it;
- each control shows that it has the focus: focused, its outline, box shadow or background
  (or those of the label drawn in place of a GOV.UK radio or checkbox) differ from when it was
  not (WCAG 2.4.7 Focus Visible). A transparent outline (GOV.UK's one for forced colours) does
  not count;
- an element that scrolls sideways by itself (a wide table in a wrapper) can be focused and has
  a name, so a keyboard user can scroll it and a screen reader says what it is (WCAG 2.1.1,
  4.1.2). ``page_checks`` already fails a page whose document scrolls sideways at 320 px.
"""

from __future__ import annotations

from playwright.sync_api import Page

# Finds the controls and stores them on window.__joinedupControls for the Tab loop below.
# A control inside a closed <details> is hidden until its summary opens it, so only the summary
# counts; GOV.UK's skip link is off screen until focused, but it is a control all the same.
_CONTROLS = """() => {
  const selector = 'a[href], button, input, select, textarea, summary, [tabindex], iframe';
  const shown = el => el.checkVisibility({visibilityProperty: true})
      || el.matches('.govuk-skip-link');
  const controls = [...document.querySelectorAll(selector)].filter(el => {
    if (el.matches('input[type=hidden]') || el.disabled || el.closest('[inert]')) return false;
    if (el.hasAttribute('tabindex') && el.tabIndex < 0) return false;
    const closed = el.parentElement && el.parentElement.closest('details:not([open])');
    if (closed && !(el.matches('summary') && el.parentElement === closed)) return false;
    return shown(el);
  });
  window.__joinedupControls = controls;
  window.__joinedupLook = controls.map(el => window.__joinedupLookOf(el));
  return controls.map(el => {
    const name = (el.getAttribute('aria-label') || el.innerText || el.value || el.id
                  || el.getAttribute('name') || '').trim().replace(/\\s+/g, ' ').slice(0, 60);
    const group = el.matches('input[type=radio]') && el.name ? 'radio:' + el.name : null;
    return {tag: el.tagName.toLowerCase(), name, group};
  });
}"""

# How a control looks, in the properties GOV.UK's focus styles change.
_LOOK_OF = """() => {
  const parts = el => {
    const list = [[el, null], [el, '::before'], [el, '::after']];
    if (el.matches('.govuk-radios__input, .govuk-checkboxes__input') && el.labels.length) {
      list.push([el.labels[0], '::before'], [el.labels[0], '::after']);
    }
    return list;
  };
  window.__joinedupLookOf = el => parts(el).map(([node, pseudo]) => {
    const s = getComputedStyle(node, pseudo);
    const opaque = !/rgba\\(.*, 0\\)$|transparent/.test(s.outlineColor);
    // 'auto' is the browser's own focus ring, drawn whatever the width says.
    const drawn = s.outlineStyle === 'auto' || (s.outlineStyle !== 'none'
        && parseFloat(s.outlineWidth) >= 2 && opaque);
    const outline = drawn ? s.outlineStyle + s.outlineWidth + s.outlineColor : 'none';
    return [outline, s.boxShadow, s.backgroundColor];
  });
}"""

_FOCUSED = """() => {
  const i = window.__joinedupControls.indexOf(document.activeElement);
  if (i < 0) return [i, false, document.activeElement ? document.activeElement.tagName : null];
  const now = window.__joinedupLookOf(document.activeElement);
  const before = window.__joinedupLook[i];
  const shows = now.some((part, p) => part.some((value, k) => {
    if (value === before[p][k]) return false;
    return k === 0 ? value !== 'none' : k === 1 ? value !== 'none' : true;
  }));
  return [i, shows, document.activeElement.tagName];
}"""

_SCROLLERS = """() => [...document.querySelectorAll('body *')].filter(el => {
    const x = getComputedStyle(el).overflowX;
    return (x === 'auto' || x === 'scroll') && el.scrollWidth > el.clientWidth + 1;
  }).filter(el => !(el.tabIndex >= 0 && el.hasAttribute('tabindex')
                    && (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby'))))
  .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
             + (el.className ? '.' + String(el.className).split(' ').join('.') : ''))"""


def keyboard_problems(page: Page) -> list[str]:
    """What keeps a keyboard user from every control of the page shown (empty when nothing)."""
    found: list[str] = []
    page.evaluate(_LOOK_OF)
    # The error summary takes the focus on load; start from nothing focused and the top.
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
    page.evaluate("() => window.scrollTo(0, 0)")
    controls = page.evaluate(_CONTROLS)
    reached: set[int] = set()
    unmarked: set[int] = set()
    left_page = 0
    for _ in range(2 * len(controls) + 6):
        page.keyboard.press("Tab")
        index, shows, tag = page.evaluate(_FOCUSED)
        if index < 0 and tag not in (None, "BODY", "HTML"):
            continue  # a focusable element not counted as a control (hidden from view)
        if index < 0:
            # Past the last control the focus leaves the page; the next Tab starts at the top
            # (which is where it starts when the page had put the focus lower down).
            left_page += 1
            if left_page >= 2:
                break
            continue
        reached.add(index)
        if not shows:
            unmarked.add(index)
        if len(reached) == len(controls):
            break
    # Leave the page as found: a control left focused changes what the next check sees (axe
    # reads GOV.UK's yellow focus background as a link not told apart from its text).
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
    groups_reached = {controls[i]["group"] for i in reached if controls[i]["group"]}
    missed = [
        c
        for i, c in enumerate(controls)
        if i not in reached and not (c["group"] and c["group"] in groups_reached)
    ]
    if missed:
        found.append("not reached with the Tab key: " + _describe(missed))
    if unmarked:
        found.append("no visible focus on: " + _describe([controls[i] for i in sorted(unmarked)]))
    scrollers = page.evaluate(_SCROLLERS)
    if scrollers:
        found.append(
            "scrolls sideways by itself without tabindex=0 and a name (aria-label): "
            + ", ".join(scrollers)
        )
    return found


def _describe(controls: list[dict[str, str]]) -> str:
    return "; ".join(f"{c['tag']} {c['name']!r}" for c in controls)
