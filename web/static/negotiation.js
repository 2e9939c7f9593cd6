// parley's negotiation page: focus a refused form's message, ask before
// acts that cannot be undone, disable a form's buttons while it is in
// flight, and let the mediator cancel a long computation.
(function () {
  "use strict";
  function ready() {
    var first = document.querySelector("[data-autofocus]");
    if (first) { first.focus(); }
    document.querySelectorAll("form[data-confirm]").forEach(function (f) {
      f.addEventListener("submit", function (e) {
        if (!window.confirm(f.getAttribute("data-confirm"))) { e.preventDefault(); e.stopImmediatePropagation(); }
      });
    });
    document.querySelectorAll("form[data-cancellable]").forEach(function (f) {
      f.addEventListener("submit", function (e) {
        if (!window.fetch || !window.AbortController) { return; }
        e.preventDefault();
        var ctl = new AbortController();
        var progress = f.querySelector("[data-progress]");
        var buttons = f.querySelectorAll("button[type=submit]");
        buttons.forEach(function (b) { b.disabled = true; });
        if (progress) { progress.hidden = false; }
        var cancel = f.querySelector("[data-cancel]");
        if (cancel) { cancel.onclick = function () { ctl.abort(); }; }
        fetch(f.action, { method: "POST", body: new FormData(f), signal: ctl.signal, credentials: "same-origin" })
          .then(function (r) {
            if (r.redirected) { window.location.assign(r.url); return; }
            return r.text().then(function (html) {
              var doc = new DOMParser().parseFromString(html, "text/html");
              var main = doc.querySelector("main");
              if (main) { var m = document.querySelector("main"); m.innerHTML = main.innerHTML; if (window.htmx) { window.htmx.process(m); } ready(); }
            });
          })
          .catch(function () {
            buttons.forEach(function (b) { b.disabled = false; });
            if (progress) { progress.hidden = false; progress.textContent = "Cancelled: no text was recorded."; }
          });
      });
    });
    document.querySelectorAll("form[data-once]").forEach(function (f) {
      f.addEventListener("submit", function (e) {
        if (e.defaultPrevented) { return; }
        // After the submit has read the clicked button's value.
        setTimeout(function () { f.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; }); }, 0);
      });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", ready); } else { ready(); }
})();
