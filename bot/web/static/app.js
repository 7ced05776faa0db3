// Instant steps where JavaScript runs: a tap posts its form in the background and swaps in the page the
// server answers with, instead of loading a whole new page. Without this file everything works the same
// (form post, redirect, new page). No build step, no libraries, nothing from elsewhere.
"use strict";
(function () {
  var busy = false;

  function swap(html, url) {
    var next = new DOMParser().parseFromString(html, "text/html");
    var main = next.getElementById("main");
    if (!main) return false;
    document.documentElement.lang = next.documentElement.lang;
    document.documentElement.dir = next.documentElement.dir;
    document.title = next.title;
    document.body.replaceWith(document.adoptNode(next.body));
    history.replaceState(null, "", url);
    // Screen readers start at the newest reply, keyboards too: focus it without scrolling past it.
    var replies = document.querySelectorAll("#main .reply");
    var target = replies.length ? replies[replies.length - 1] : document.getElementById("main");
    target.setAttribute("tabindex", "-1");
    target.focus({ preventScroll: true });
    target.scrollIntoView({ block: "start" });
    return true;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !window.fetch) return;
    // The attributes, not form.action and form.method: a control named "action" (every answer button is
    // one) hides the form's own property behind it, and the post went to "[object HTMLButtonElement]".
    var action = form.getAttribute("action") || "";
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post") return;
    event.preventDefault();
    if (busy) return; // one tap at a time: a double tap sends nothing twice
    busy = true;
    var button = event.submitter;
    var data = new FormData(form); // the pressed button's value by hand: older browsers leave it out
    if (button && button.name) data.append(button.name, button.value);
    var body = new URLSearchParams(data);
    fetch(action, { method: "POST", body: body, credentials: "same-origin", redirect: "follow" })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || type.indexOf("text/html") !== 0) throw new Error("not a page");
        return response.text().then(function (html) {
          if (!swap(html, response.url)) throw new Error("not our page");
        });
      })
      .catch(function () {
        // Anything unexpected (offline, rate limit, an expired form): the browser does it the plain way.
        // The form's one-time key makes a second post of the same tap harmless.
        if (button && button.name) {
          var pressed = document.createElement("input");
          pressed.type = "hidden";
          pressed.name = button.name;
          pressed.value = button.value;
          form.appendChild(pressed);
        }
        form.submit();
      })
      .then(function () {
        busy = false;
      });
  });
})();
