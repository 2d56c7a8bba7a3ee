"""The console by keyboard alone, in Chromium: the Tab key reaches the skip link first, then
the navigation, then every link, form control and button of the page in order, missing
none; each shows a focus outline that stands out from what is behind it; and the skip link
takes focus to the page's main content."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.lab.console.browser import Site, browser_missing, log_in, opened_site

pytestmark = pytest.mark.skipif(browser_missing() is not None, reason=str(browser_missing()))

FOCUSABLE = (
    "a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), "
    "select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])"
)

# Numbers every element Tab should reach (rendered, in document order: the console sets
# no tabindex order of its own) and names them for messages.
MARK_STOPS = """selector => {
  const stops = [...document.querySelectorAll(selector)].filter(e => e.getClientRects().length);
  stops.forEach((e, i) => { e.dataset.stop = String(i); });
  return stops.map(e => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''} "${
    (e.getAttribute('aria-label') || e.textContent || e.name || '').trim().slice(0, 40)}"`);
}"""

# What has focus now: its stop, whether it shows within the window, its focus outline, and
# the colour behind the outline (what is drawn just outside the element, found by looking
# at the page there, since a positioned element such as the skip link sits over others).
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el), r = el.getBoundingClientRect();
  const reach = parseFloat(s.outlineOffset || '0') + parseFloat(s.outlineWidth || '0') / 2;
  const points = [[r.left - reach, r.top + r.height / 2], [r.right + reach, r.top + r.height / 2],
                  [r.left + r.width / 2, r.top - reach], [r.left + r.width / 2, r.bottom + reach]];
  let behind = 'rgb(255, 255, 255)';
  for (const [x, y] of points) {
    if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) continue;
    let under = document.elementsFromPoint(x, y).find(u => u !== el && !el.contains(u));
    while (under) {
      const bg = getComputedStyle(under).backgroundColor;
      if (bg && bg !== 'transparent' && !/rgba\\(.*,\\s*0\\)$/.test(bg)) { behind = bg; break; }
      under = under.parentElement;
    }
    break;
  }
  return {stop: el.dataset.stop ?? null, tag: el.tagName.toLowerCase(), id: el.id,
          inView: r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0
                  && r.left < innerWidth && r.top < innerHeight,
          outlineStyle: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth || '0'),
          outlineColor: s.outlineColor, boxShadow: s.boxShadow, behind};
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with opened_site(tmp_path_factory.mktemp("console")) as site:
        yield site


def _rgb(css: str) -> tuple[float, float, float]:
    parts = re.findall(r"[\d.]+", css)
    assert len(parts) >= 3, f"not a colour: {css}"
    r, g, b = (float(p) for p in parts[:3])
    return r, g, b


def contrast(one: str, other: str) -> float:
    """WCAG's contrast ratio of two CSS rgb() colours."""

    def luminance(css: str) -> float:
        def channel(c: float) -> float:
            c /= 255
            return c / 12.92 if c <= 0.03928 else float(((c + 0.055) / 1.055) ** 2.4)

        r, g, b = (channel(c) for c in _rgb(css))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def outline_problem(focused: dict[str, Any]) -> str | None:
    """Why the focused element's outline is not clearly visible, or None."""
    if not focused["inView"]:
        return "not shown in the window"
    if focused["outlineStyle"] in ("none", "auto") or focused["outlineWidth"] < 2:
        if focused["boxShadow"] == "none":
            return f"no focus outline ({focused['outlineStyle']} {focused['outlineWidth']}px)"
        return None
    ratio = contrast(focused["outlineColor"], focused["behind"])
    if ratio < 3:
        return f"outline {focused['outlineColor']} on {focused['behind']}: contrast {ratio:.2f}"
    return None


def tab_through(page: Any) -> tuple[list[str], list[int], list[str]]:
    """Every stop the page has, the stops Tab reached in order (a control taking several
    presses, as a date field does, counted once), and what was wrong with their outlines."""
    stops: list[str] = page.evaluate(MARK_STOPS, FOCUSABLE)
    page.locator("body").focus()
    reached: list[int] = []
    problems: list[str] = []
    for _ in range(3 * len(stops) + 10):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:  # past the last stop: back to the document
            break
        assert focused["stop"] is not None, f"focus went to an unexpected {focused}"
        stop = int(focused["stop"])
        if reached and reached[-1] == stop:
            continue
        if stop in reached:  # wrapped around
            break
        reached.append(stop)
        why = outline_problem(focused)
        if why:
            problems.append(f"{stops[stop]}: {why}")
    return stops, reached, problems


def _log_in(site: Site, who: str) -> Any:
    world, base, browser = site
    return log_in(browser, base, world.tokens[who])


def _nav_links(page: Any) -> list[str]:
    return [
        t.strip()
        for t in page.get_by_role("navigation", name="Main").get_by_role("link").all_inner_texts()
    ]


PAGES = (
    ("carol", "/console/"),  # the start page
    ("carol", "/console/audit"),  # the chain's form and the filters
    ("carol", "/console/approvals"),  # the queue's tabs and its filter
    ("root", "/console/policy"),  # the dry-run form and the rules' filter
    ("root", "/console/admin/users/a-eng"),  # forms in a table and in a list
)


@pytest.mark.parametrize(("who", "path"), PAGES)
def test_tab_reaches_every_control_in_order_with_a_visible_outline(
    site: Site, who: str, path: str
) -> None:
    page = _log_in(site, who)
    page.goto(path)
    nav = _nav_links(page)
    stops, reached, problems = tab_through(page)
    page.context.close()
    assert [stops[i] for i in reached] == stops, "Tab missed or reordered controls"
    assert stops[0].startswith('a "Skip to content')
    shown = [re.sub(r'^a "|"$', "", s) for s in stops[1 : 1 + len(nav)]]
    assert shown == nav, "after the skip link, the navigation"
    assert stops[1 + len(nav)] == 'button "Log out"'
    assert len(stops) > len(nav) + 3, "the page itself has controls to reach"
    assert not problems, "focus not clearly visible:\n" + "\n".join(problems)


def test_the_login_page_by_keyboard(site: Site) -> None:
    _, base, browser = site
    page = browser.new_context(base_url=base).new_page()
    page.goto("/console/login")
    stops, reached, problems = tab_through(page)
    page.context.close()
    assert [stops[i] for i in reached] == stops
    assert [s.split(" ")[0] for s in stops] == ["a", "input#token", "button"]
    assert not problems, "focus not clearly visible:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", ["/console/", "/console/audit"])
def test_the_skip_link_takes_focus_to_the_main_content(site: Site, path: str) -> None:
    page = _log_in(site, "carol")
    page.goto(path)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("e => e === document.activeElement")
    assert skip.is_visible() and skip.bounding_box()["x"] >= 0  # shown once focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    first_in_main = page.locator(f"main :is({FOCUSABLE})").first
    assert first_in_main.evaluate("e => e === document.activeElement")
    page.context.close()
