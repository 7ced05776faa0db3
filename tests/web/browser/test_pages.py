"""What every page owes a person whatever she does on it: her script rendered by the phone's own fonts,
nothing fetched from elsewhere.

Screenshots: tests/web/browser/screenshots/<test name>/ (git-ignored).
"""

from __future__ import annotations

import re
import shutil
import subprocess

from tests.support.phone import OpenPhone, unavailable

# A language name in each script the web chat ships beyond Latin and Cyrillic, and Vietnamese (Latin
# with stacked diacritics that many fonts lack).
SCRIPTS = {"ar": "Arabic", "fa": "Arabic", "ps": "Arabic", "ti": "Ge'ez", "vi": "Vietnamese"}


def has_fonts_for(locale: str) -> bool:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    found = subprocess.run(
        [fc_list, f":lang={locale}", "family"], capture_output=True, text=True, check=False
    )
    return bool(found.stdout.strip())


async def test_the_system_font_stack_renders_arabic_geez_and_vietnamese(phone: OpenPhone) -> None:
    """On the start page in Tigrinya, each language's name is drawn by a system font named in the
    stylesheet's stack: no web font, no fallback outside the stack (where a missing glyph would end up).
    Which fonts a phone has differs; this machine has the Noto fonts that Android ships."""
    missing = [code for code in SCRIPTS if not has_fonts_for(code)]
    if missing:
        unavailable(f"no system font for {missing} here: apt-get install fonts-noto-core")
    me = await phone("ti")
    await me.goto("/")
    await me.sees(me.t._("Bitte wählen Sie Ihre Sprache."))
    await me.step("languages-ti", "languages")
    stack = await me.page.evaluate("getComputedStyle(document.body).fontFamily")
    named = {name.strip().strip("\"'").lower() for name in stack.split(",")}
    cdp = await me.context.new_cdp_session(me.page)
    await cdp.send("DOM.enable")
    await cdp.send("CSS.enable")
    root = (await cdp.send("DOM.getDocument", {"depth": -1}))["root"]["nodeId"]
    for code, script in SCRIPTS.items():
        node = await cdp.send("DOM.querySelector", {"nodeId": root, "selector": f"a[lang={code}]"})
        fonts = (await cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]}))["fonts"]
        used = {font["familyName"] for font in fonts}
        assert not any(font["isCustomFont"] for font in fonts), f"{script}: a web font: {fonts}"
        assert {family.lower() for family in used} <= named, (
            f"{script} ({code}) drawn by {used}, not in {stack}"
        )
    ethiopic = [name for name in named if re.search("ethiopic|kefa|nyala|abyssinica", name)]
    assert ethiopic, f"the stack names no font for Ge'ez: {stack}"
