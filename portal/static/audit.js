// The audit page: each result and note is saved as it is made. Without a connection (a factory floor,
// a basement server room) the entry is kept in this browser and sent when the connection returns,
// so nothing the auditor entered is lost, even across a reload. Once the audit is closed nothing changes any
// more: the page is read-only, and entries still kept on the device are dropped with a message saying so.
(function () {
  "use strict";
  var token = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var texts = document.getElementById("audit-texts").dataset;
  var connection = document.getElementById("connection");
  var timers = {};
  var closed = texts.closed === "yes";

  function articleOf(form) { return form.closest("article.audit-item"); }
  function keyOf(article) { return "audit-entry:" + article.dataset.url; }

  function entry(form) {
    var checked = form.querySelector('input[name="result"]:checked');
    return {
      result: checked ? checked.value : null,
      note: form.querySelector('textarea[name="note"]').value,
      version: Number(articleOf(form).dataset.version)
    };
  }

  function status(form, text, isError) {
    var box = form.querySelector(".status");
    box.textContent = text;
    box.classList.toggle("is-error", !!isError);
  }

  function setVersion(form, version) {
    articleOf(form).dataset.version = version;
    form.querySelector('input[name="version"]').value = version;
  }

  function showConflict(form, current) {
    var box = form.querySelector(".conflict");
    box.textContent = "";
    var text = document.createElement("p");
    text.textContent = texts.conflict + " " + (current.result || "—") + " / " + (current.note || "");
    var keep = document.createElement("button");
    keep.type = "button";
    keep.textContent = texts.keep;
    keep.addEventListener("click", function () {
      setVersion(form, current.version);
      box.classList.add("is-hidden");
      save(form);
    });
    box.append(text, keep);
    box.classList.remove("is-hidden");
  }

  function resultLabel(form, code) {
    var radio = code ? form.querySelector('input[name="result"][value="' + code + '"]') : null;
    return radio ? radio.parentNode.textContent.trim() : "—";
  }

  // The whole page read-only, as the server shows a closed audit.
  function closePage() {
    closed = true;
    document.getElementById("audit-closed").classList.remove("is-hidden");
    document.querySelectorAll("form.auditor-side fieldset").forEach(function (box) { box.disabled = true; });
    document.querySelectorAll("form.auditor-side textarea").forEach(function (note) { note.readOnly = true; });
    document.querySelectorAll("form.photos label, form.photos button").forEach(function (field) {
      field.classList.add("is-hidden");
      field.querySelectorAll("input").forEach(function (input) { input.disabled = true; });
      field.disabled = true;
    });
    var line = document.getElementById("connection-line");
    if (line) { line.classList.add("is-hidden"); }
  }

  // The server will never take this entry: say what it was (so it can be noted elsewhere), then forget it.
  function drop(form, body) {
    var article = articleOf(form);
    clearTimeout(timers[keyOf(article)]);
    localStorage.removeItem(keyOf(article));
    status(form, texts.dropped + " " + resultLabel(form, body.result) + (body.note ? " / " + body.note : ""), true);
    closePage();
  }

  function send(form, body) {
    var article = articleOf(form);
    return fetch(article.dataset.url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token, "Accept": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (data) {
        if (response.ok) {
          localStorage.removeItem(keyOf(article));
          setVersion(form, data.version);
          status(form, texts.saved);
        } else if (response.status === 409 && data.error && data.error.code === "audit_closed") {
          drop(form, body);
        } else if (response.status === 409 && data.current) {
          localStorage.removeItem(keyOf(article));
          showConflict(form, data.current);
          status(form, data.error.message, true);
        } else {
          status(form, texts.failed + " " + ((data.error && data.error.message) || response.status), true);
        }
      });
    });
  }

  function save(form) {
    if (closed) { return; }
    var article = articleOf(form);
    clearTimeout(timers[keyOf(article)]);
    var body = entry(form);
    // Kept first, removed once the server has it: a lost connection or a closed tab loses nothing.
    localStorage.setItem(keyOf(article), JSON.stringify(body));
    status(form, texts.saving);
    send(form, body).catch(function () { status(form, texts.queued, true); showOffline(); });
  }

  function showOffline() { if (!closed) { connection.textContent = connection.dataset.offline; } }
  function showOnline() { if (!closed) { connection.textContent = connection.dataset.online; } }

  function flushQueued() {
    if (closed) { return; }
    document.querySelectorAll("article.audit-item").forEach(function (article) {
      var kept = localStorage.getItem(keyOf(article));
      if (kept) {
        var form = article.querySelector("form.auditor-side");
        send(form, JSON.parse(kept)).then(showOnline).catch(showOffline);
      }
    });
  }

  if (closed) {  // closed since the entries were kept: the server refuses them, so they go now
    document.querySelectorAll("form.auditor-side").forEach(function (form) {
      var kept = localStorage.getItem(keyOf(articleOf(form)));
      if (kept) { drop(form, JSON.parse(kept)); }
    });
    return;
  }

  document.querySelectorAll("form.auditor-side").forEach(function (form) {
    var article = articleOf(form);
    var kept = localStorage.getItem(keyOf(article));
    if (kept) {  // an entry from before a reload that the server has not confirmed yet
      var body = JSON.parse(kept);
      form.querySelectorAll('input[name="result"]').forEach(function (radio) { radio.checked = radio.value === body.result; });
      form.querySelector('textarea[name="note"]').value = body.note || "";
      status(form, texts.queued, true);
    }
    form.querySelectorAll('input[name="result"]').forEach(function (radio) {
      radio.addEventListener("change", function () { save(form); });
    });
    var note = form.querySelector('textarea[name="note"]');
    note.addEventListener("input", function () {
      clearTimeout(timers[keyOf(article)]);
      localStorage.setItem(keyOf(article), JSON.stringify(entry(form)));
      timers[keyOf(article)] = setTimeout(function () { save(form); }, 800);
    });
    note.addEventListener("blur", function () { if (timers[keyOf(article)]) { save(form); } });
    form.addEventListener("submit", function (event) { event.preventDefault(); save(form); });
  });

  window.addEventListener("online", function () { showOnline(); flushQueued(); });
  window.addEventListener("offline", showOffline);
  setInterval(flushQueued, 15000);
  flushQueued();
})();
