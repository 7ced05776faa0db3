"""One person's phone in a real browser (Playwright's async API on Debian's Chromium): taps by what she
reads, and at every step a screenshot, the page's weight, its language and direction, its touch
targets, and, with JavaScript on, axe-core's findings for each kind of page.

Every wait is Playwright's own: a locator waits until what the person expects to see is there. Nothing
waits for the clock, and nothing depends on whether a tap loads a new page (no JavaScript) or a script
swaps the content in place (bot/web/static/app.js, when there is one).
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.async_api import BrowserContext, Locator, Page, Request, Response, expect

from dialogs.i18n import Translator

PAGE_LIMIT = 30 * 1024  # one step on a cheap phone with prepaid data (the stylesheet is cached)
TARGET = 44  # CSS pixels: the smallest touch target we accept (WCAG 2.5.5, Apple and Android guidance)
BLOCKING = ("serious", "critical")  # axe-core impacts that fail a test
# WCAG 2.1 A and AA, plus axe's best practices (headings, landmarks): reported, but only serious and
# critical findings fail.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
LOOPBACK = ("127.0.0.1",)
CONTROLS = "a, button, input:not([type=hidden]), textarea, select, summary"


def unavailable(message: str) -> None:
    """A missing browser, checker or font: skipped here, failed in CI (a green CI ran the browser tests)."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (.ci/run installs it)", pytrace=False)
    pytest.skip(message)


@dataclass
class Phone:
    """A browser context at phone size for one person, and what it noticed along the way."""

    context: BrowserContext
    page: Page
    base_url: str
    t: Translator
    shots: Path
    axe: str | None  # axe-core's source, when it is to be run (it needs JavaScript in the page)
    rtl: bool
    step_number: int = 0
    checked_kinds: set[str] = field(default_factory=set)
    findings: list[str] = field(default_factory=list)  # axe's minor findings, for the report
    elsewhere: list[str] = field(default_factory=list)  # requests that left 127.0.0.1
    errors: list[str] = field(default_factory=list)  # script errors, CSP violations
    documents: list[Response] = field(default_factory=list)
    posts: list[str] = field(default_factory=list)  # how each tap went: "document" (a form) or "fetch"

    @classmethod
    async def open(
        cls, context: BrowserContext, base_url: str, t: Translator, shots: Path, axe: str | None, rtl: bool
    ) -> Phone:
        page = await context.new_page()
        phone = cls(context, page, base_url, t, shots, axe, rtl)
        context.on("request", phone._on_request)
        context.on("response", phone._on_response)
        page.on("console", lambda message: phone._on_console(message.type, message.text, message.location))
        page.on("pageerror", lambda error: phone.errors.append(f"page error: {error}"))
        return phone

    def _on_request(self, request: Request) -> None:
        if request.method == "POST":
            self.posts.append(request.resource_type)
        url = urlsplit(request.url)
        if url.scheme in ("data", "blob", "about"):
            return
        if url.hostname not in LOOPBACK:
            self.elsewhere.append(request.url)

    def _on_response(self, response: Response) -> None:
        if response.request.resource_type in ("document", "fetch", "xhr"):
            self.documents.append(response)
        if response.status >= 400:
            self.errors.append(f"{response.status} for {response.request.method} {response.url}")

    def _on_console(self, kind: str, text: str, location: dict[str, Any]) -> None:
        if kind == "error":  # includes "Refused to … because it violates the Content Security Policy"
            self.errors.append(f"{text} ({location.get('url', '')})")

    # ----- what the person does -------------------------------------------------------------------------

    async def goto(self, path: str) -> None:
        await self.page.goto(self.base_url + path)

    def main(self) -> Locator:
        return self.page.locator("main")

    async def press(self, label: str) -> None:
        """Taps the button in the conversation (not in the menu below it) that reads `label`."""
        await self.main().get_by_role("button", name=label, exact=True).click()

    async def menu(self, label: str) -> None:
        """Taps a command in the menu under the conversation ("Meine Daten", "Alles löschen")."""
        await self.page.get_by_role("navigation").get_by_role("button", name=label, exact=True).click()

    async def follow(self, label: str) -> None:
        await self.page.get_by_role("link", name=label, exact=True).click()

    async def write(self, label: str, text: str) -> None:
        await self.page.get_by_label(label, exact=True).fill(text)

    async def sees(self, text: str) -> None:
        """Waits until `text` is on the page (the next page, or the same one changed by a script)."""
        await expect(self.main().get_by_text(text, exact=False).first).to_be_visible()

    async def code_cookie(self) -> str | None:
        for cookie in await self.context.cookies(self.base_url):
            if cookie.get("name") == "mitsprache":
                return cookie.get("value")
        return None

    # ----- what is checked at every step ----------------------------------------------------------------

    async def step(self, name: str, kind: str | None = None) -> None:
        """A screenshot named NN-name.png, and the checks every page passes; `kind` names the kind of
        page (question, free text, …) whose first appearance axe-core looks at."""
        self.step_number += 1
        await self.page.wait_for_load_state("load")
        await self.page.screenshot(
            path=self.shots / f"{self.step_number:02d}-{name}.png", full_page=True, scale="css"
        )
        html = self.page.locator("html")
        await expect(html).to_have_attribute("lang", self.t.locale.replace("_", "-"))
        await expect(html).to_have_attribute("dir", "rtl" if self.rtl else "ltr")
        await self._weighs_little(name)
        await self._targets_are_large(name)
        await self._fits_the_screen(name)
        if kind is not None and self.axe is not None and kind not in self.checked_kinds:
            self.checked_kinds.add(kind)
            await self._axe(f"{name} ({kind})")

    async def _weighs_little(self, name: str) -> None:
        if not self.documents:
            return
        last = self.documents[-1]
        size = len(await last.body()) if last.status < 300 else 0
        assert size <= PAGE_LIMIT, f"{name}: {last.url} is {size} bytes, more than {PAGE_LIMIT}"

    async def _targets_are_large(self, name: str) -> None:
        # One look at every control's box (Playwright evaluates in its own world: this works with the
        # page's JavaScript off too).
        small: list[str] = await self.page.locator(CONTROLS).evaluate_all(
            """(controls, least) => controls.map(c => [c, c.getBoundingClientRect()])
                .filter(([c, r]) => r.width > 0 && (r.width < least || r.height < least))
                .map(([c, r]) => `${c.textContent.trim().slice(0, 40)}: ${r.width}x${r.height}`)""",
            TARGET - 0.5,
        )
        assert not small, f"{name}: touch targets smaller than {TARGET}x{TARGET} px: {small}"

    async def _fits_the_screen(self, name: str) -> None:
        """Nothing needs scrolling sideways at phone width (WCAG 1.4.10, reflow)."""
        wide = await self.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert wide <= 0, f"{name}: the page is {wide} px wider than the screen"

    async def _axe(self, what: str) -> None:
        assert self.axe is not None
        # Evaluated through the DevTools protocol, so the page's Content-Security-Policy stays as strict
        # as a person gets it (an injected <script> tag would need 'unsafe-inline').
        await self.page.evaluate(self.axe + "\n;0")
        result: dict[str, Any] = await self.page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
            AXE_TAGS,
        )
        blocking = [v for v in result["violations"] if v.get("impact") in BLOCKING]
        self.findings += [
            f"{what}: {v['impact']} {v['id']}" for v in result["violations"] if v not in blocking
        ]
        assert not blocking, f"axe-core on {what} ({self.page.url}):\n" + describe(blocking)

    async def focus_is_visible(self) -> None:
        """Tabs to the first control of the conversation: it gets an outline a person can see."""
        await self.page.keyboard.press("Tab")
        style = await self.page.evaluate(
            """() => { const e = document.activeElement, s = getComputedStyle(e);
                return {tag: e.tagName, style: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }"""
        )
        assert style["tag"] in ("A", "BUTTON", "INPUT", "TEXTAREA"), style
        assert style["style"] != "none" and style["width"] >= 2, f"no visible focus: {style}"

    def assert_clean(self) -> None:
        """At the end: nothing went to another host, no script error, no CSP violation."""
        assert not self.elsewhere, f"requests that left 127.0.0.1: {self.elsewhere}"
        assert not self.errors, f"errors in the browser console: {self.errors}"


def describe(violations: list[dict[str, Any]]) -> str:
    """axe-core's violations, one block each: rule, impact, what it means, and where."""
    blocks = []
    for v in violations:
        lines = [f"- {v['id']} ({v['impact']}): {v['help']}  [{v['helpUrl'].split('?')[0]}]"]
        for node in v["nodes"][:6]:
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    at {json.dumps(node['target'])}: {node['html'][:160]}")
            if summary:
                lines.append(f"       {summary[:300]}")
        if len(v["nodes"]) > 6:
            lines.append(f"    … and {len(v['nodes']) - 6} more")
        blocks.append("\n".join(lines))
    return "\n".join(blocks)


OpenPhone = Callable[..., Awaitable[Phone]]  # the `phone` fixture: await phone("ar", javascript=False)
