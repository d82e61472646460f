// The audit page: each result and note is saved as it is made. Without a connection (a factory floor,
// a basement server room) the entry is kept in this browser and sent when the connection returns,
// so nothing the auditor entered is lost, even across a reload.
(function () {
  "use strict";
  var token = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var texts = document.getElementById("audit-texts").dataset;
  var connection = document.getElementById("connection");
  var timers = {};

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
    var article = articleOf(form);
    clearTimeout(timers[keyOf(article)]);
    var body = entry(form);
    // Kept first, removed once the server has it: a lost connection or a closed tab loses nothing.
    localStorage.setItem(keyOf(article), JSON.stringify(body));
    status(form, texts.saving);
    send(form, body).catch(function () { status(form, texts.queued, true); showOffline(); });
  }

  function showOffline() { connection.textContent = connection.dataset.offline; }
  function showOnline() { connection.textContent = connection.dataset.online; }

  function flushQueued() {
    document.querySelectorAll("article.audit-item").forEach(function (article) {
      var kept = localStorage.getItem(keyOf(article));
      if (kept) {
        var form = article.querySelector("form.auditor-side");
        send(form, JSON.parse(kept)).then(showOnline).catch(showOffline);
      }
    });
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
