// parley.js keeps what people type through live updates, guards forms
// against double submits, asks before irreversible acts, counts characters
// on long fields and opens the header menu on narrow screens. Loaded after
// htmx and idiomorph; no inline script anywhere.
(function () {
  "use strict";

  // Forms the user has typed into (or changed) since the page showed them.
  const dirty = new WeakSet();
  const isControl = (n) =>
    n instanceof HTMLInputElement || n instanceof HTMLTextAreaElement || n instanceof HTMLSelectElement;
  const markDirty = (e) => {
    const f = e.target && e.target.form;
    if (f) dirty.add(f);
  };
  document.addEventListener("input", markDirty);
  document.addEventListener("change", markDirty);

  // A dirty form, or an element holding one.
  const holdsWork = (n) => {
    if (!(n instanceof Element)) return false;
    if (n instanceof HTMLFormElement) return dirty.has(n);
    for (const f of n.querySelectorAll("form")) if (dirty.has(f)) return true;
    return false;
  };

  if (window.Idiomorph) {
    const cb = Idiomorph.defaults.callbacks;
    // A control of a form being filled in keeps its value, options and
    // hidden fields (the version it was started on) as the user left them.
    cb.beforeNodeMorphed = (oldNode) => {
      if (isControl(oldNode) && oldNode.form && dirty.has(oldNode.form)) return false;
      // An open confirmation keeps saying what it asked about.
      if (oldNode instanceof Element && oldNode.closest("dialog[open]")) return false;
      return true;
    };
    // A form being filled in is never removed, even when the server no
    // longer offers it; it says so instead.
    cb.beforeNodeRemoved = (node) => {
      if (!holdsWork(node)) return true;
      const f = node instanceof HTMLFormElement ? node : node.querySelector("form");
      if (f && !f.querySelector(".gone")) {
        const p = document.createElement("p");
        p.className = "gone banner";
        p.setAttribute("role", "status");
        p.textContent = "This has changed while you were writing, and the form no longer applies. Your text is kept here so that you can copy it.";
        f.prepend(p);
      }
      return false;
    };
    cb.beforeAttributeUpdated = (name, el) => {
      // What the user opened stays open; a form in flight stays disabled.
      if (name === "open" && (el instanceof HTMLDetailsElement || el instanceof HTMLDialogElement)) return false;
      if (name === "disabled" && el.closest("form[data-submitting]")) return false;
      return true;
    };
  }

  // After a live update, a form started on an older version of its subject
  // says that a newer one was saved (the server renders the sentence).
  function checkStale() {
    for (const f of document.querySelectorAll("form[data-version]")) {
      const base = f.querySelector("input[name=base], input[name=version]");
      const note = f.querySelector(".stale");
      if (base && note) note.hidden = base.value === f.dataset.version;
    }
  }

  function counters(root) {
    for (const c of root.querySelectorAll(".counter[data-for]")) {
      const field = document.getElementById(c.dataset.for);
      if (!field) continue;
      const max = Number(c.dataset.max);
      const n = [...field.value].length;
      const fmt = (x) => x.toLocaleString("en-GB");
      c.textContent = n > max
        ? fmt(n) + " characters; the limit is " + fmt(max) + ". Shorten it by " + fmt(n - max) + "."
        : fmt(n) + " of " + fmt(max) + " characters";
      c.classList.toggle("over", n > max);
    }
  }
  document.addEventListener("input", (e) => {
    if (e.target.id && document.querySelector('.counter[data-for="' + e.target.id + '"]')) counters(document);
  });

  // One submission per form: buttons disable while it is in flight.
  document.addEventListener("submit", (e) => {
    const f = e.target;
    if (e.defaultPrevented || f.method !== "post") return;
    if (f.dataset.submitting) {
      e.preventDefault();
      return;
    }
    const ask = (e.submitter && e.submitter.dataset.confirm) || f.dataset.confirm;
    if (ask && f.dataset.confirmed !== "yes") {
      // Irreversible acts go through a dialog that says what happens.
      const d = document.getElementById(ask);
      if (d && d.showModal) {
        e.preventDefault();
        // What is confirmed is what the form showed: freeze it meanwhile.
        dirty.add(f);
        d.returnValue = "";
        d.showModal();
        d.addEventListener("close", () => {
          if (d.returnValue === "confirm") {
            f.dataset.confirmed = "yes";
            // The server asks again unless the form says it was confirmed.
            const c = f.querySelector("input[name=confirmed]");
            if (c) c.value = "yes";
            f.requestSubmit(e.submitter || undefined);
          }
        }, { once: true });
        return;
      }
    }
    f.dataset.submitting = "true";
    dirty.delete(f);
    // After this turn, so that the pressed button's name and value are sent.
    setTimeout(() => {
      for (const b of f.querySelectorAll("button")) {
        b.disabled = true;
        b.setAttribute("aria-busy", "true");
      }
    }, 0);
  });
  // A page restored from the back/forward cache may submit again.
  window.addEventListener("pageshow", (e) => {
    if (!e.persisted) return;
    for (const f of document.querySelectorAll("form[data-submitting]")) {
      delete f.dataset.submitting;
      delete f.dataset.confirmed;
      const c = f.querySelector("input[name=confirmed]");
      if (c) c.value = "";
      for (const b of f.querySelectorAll("button")) {
        b.disabled = false;
        b.removeAttribute("aria-busy");
      }
    }
  });

  // The header menu on narrow screens.
  document.addEventListener("click", (e) => {
    const t = e.target.closest && e.target.closest("#menu-button");
    if (!t) return;
    const open = t.getAttribute("aria-expanded") !== "true";
    t.setAttribute("aria-expanded", String(open));
    document.getElementById("main-nav").classList.toggle("open", open);
  });

  function settle(root) {
    checkStale();
    counters(root || document);
    // The field a validation error names takes the focus, once.
    const bad = document.querySelector("[data-focus]");
    if (bad) {
      bad.removeAttribute("data-focus");
      bad.focus();
    }
  }
  document.addEventListener("DOMContentLoaded", () => {
    // A form shown again — refused, or in conflict — holds the user's work.
    for (const f of document.querySelectorAll("form[data-keep], form:has([aria-invalid=true]), form:has(.error)")) dirty.add(f);
    settle(document);
  });
  document.addEventListener("htmx:afterSwap", () => checkStale());
  document.addEventListener("htmx:afterSettle", () => settle(document));
})();
