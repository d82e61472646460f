// Autosave for the answering page: every change is sent as it is made; nothing typed is lost.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var token = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var texts = document.getElementById("answering-texts").dataset;
  var pending = {};
  // Saves are numbered as sent: an older reply about which items are shown never undoes a newer one.
  var sent = 0;
  var followed = 0;

  function fields(form) {
    var checked = form.querySelector('input[name="code"]:checked');
    var comment = form.querySelector('textarea[name="comment"]');
    var reason = form.querySelector('textarea[name="na_reason"]');
    return {
      code: checked ? checked.value : null,
      comment: comment ? comment.value : null,
      na_reason: reason ? reason.value : null
    };
  }

  function article(form) { return form.closest("article.item"); }
  function draftKey(form) { return "draft:" + article(form).dataset.url; }

  function setStatus(form, text, isError) {
    var status = form.querySelector(".status");
    status.textContent = text;
    status.classList.toggle("is-error", !!isError);
  }

  function showReason(form) {
    var reason = form.querySelector(".na-reason");
    if (reason) { reason.classList.toggle("is-hidden", fields(form).code !== "na"); }
  }

  function setVersion(form, version) {
    article(form).dataset.version = version;
    form.querySelector('input[name="version"]').value = version;
  }

  function showConflict(form, current) {
    var box = article(form).querySelector(".conflict");
    box.textContent = "";
    var intro = document.createElement("p");
    intro.textContent = texts.conflict.replace("%(name)s", current.updated_by || "?");
    var detail = document.createElement("p");
    detail.textContent = [current.code || "—", current.comment || "", current.na_reason || ""].join(" / ");
    var keep = document.createElement("button");
    keep.type = "button";
    keep.textContent = texts.keep;
    keep.addEventListener("click", function () { setVersion(form, current.version); box.classList.add("is-hidden"); save(form); });
    var take = document.createElement("button");
    take.type = "button";
    take.textContent = texts.take;
    take.addEventListener("click", function () {
      setVersion(form, current.version);
      form.querySelectorAll('input[name="code"]').forEach(function (radio) { radio.checked = radio.value === current.code; });
      var comment = form.querySelector('textarea[name="comment"]');
      if (comment) { comment.value = current.comment || ""; }
      var reason = form.querySelector('textarea[name="na_reason"]');
      if (reason) { reason.value = current.na_reason || ""; }
      localStorage.removeItem(draftKey(form));
      box.classList.add("is-hidden");
      showReason(form);
    });
    box.append(intro, detail, keep, " ", take);
    box.classList.remove("is-hidden");
  }

  function save(form) {
    clearTimeout(pending[draftKey(form)]);
    delete pending[draftKey(form)];
    var body = fields(form);
    body.version = Number(article(form).dataset.version);
    var number = ++sent;
    setStatus(form, texts.saving);
    fetch(article(form).dataset.url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token, "Accept": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    }).then(function (result) {
      if (result.status === 200) {
        setVersion(form, result.data.version);
        localStorage.removeItem(draftKey(form));
        setStatus(form, texts.saved);
        countSection(article(form).closest("section.section"));
        if (result.data.visible) { follow(result.data, number); }
      } else if (result.status === 409 && result.data.current) {
        setStatus(form, result.data.error.message, true);
        showConflict(form, result.data.current);
      } else {
        setStatus(form, (result.data.error && result.data.error.message) || texts.offline, true);
      }
    }).catch(function () { setStatus(form, texts.offline, true); });
  }

  function isAnswered(item) {
    var form = item.querySelector("form.answer-form");
    if (form.querySelector('input[name="code"]')) { return !!form.querySelector('input[name="code"]:checked'); }
    var text = form.querySelector('textarea[name="comment"]');
    return !!(text && text.value.trim());
  }

  // Saving an answer that other items' conditions read: the server says which of them are shown now,
  // and they appear or disappear at once. Their answers stay; hidden items are just not counted.
  function follow(visibility, number) {
    if (number < followed) { return; }
    followed = number;
    var sections = [];
    [[visibility.visible, false], [visibility.hidden, true]].forEach(function (pair) {
      pair[0].forEach(function (id) {
        var item = document.getElementById("item-" + id);
        if (!item) { return; }
        item.classList.toggle("is-hidden", pair[1]);
        var section = item.closest("section.section");
        if (sections.indexOf(section) < 0) { sections.push(section); }
      });
    });
    sections.forEach(countSection);
  }

  // The section's "answered / total" in the table of contents follows each save.
  function countSection(section) {
    var count = section && document.querySelector('.count[data-section="' + section.id.slice(2) + '"]');
    if (!count) { return; }
    var items = Array.prototype.filter.call(section.querySelectorAll("article.item"), function (item) {
      return !item.classList.contains("is-hidden");
    });
    count.textContent = items.filter(isAnswered).length + "/" + items.length;
  }

  function remember(form) {
    localStorage.setItem(draftKey(form), JSON.stringify(fields(form)));
  }

  function later(form) {
    remember(form);
    clearTimeout(pending[draftKey(form)]);
    pending[draftKey(form)] = setTimeout(function () { save(form); }, 800);
  }

  document.querySelectorAll("article.item.is-editable form.answer-form").forEach(function (form) {
    form.addEventListener("submit", function (event) { event.preventDefault(); save(form); });
    form.querySelectorAll('input[name="code"]').forEach(function (radio) {
      radio.addEventListener("change", function () { showReason(form); remember(form); save(form); });
    });
    form.querySelectorAll("textarea").forEach(function (area) {
      area.addEventListener("input", function () { later(form); });
      area.addEventListener("blur", function () { if (pending[draftKey(form)]) { save(form); } });
    });
    var draft = localStorage.getItem(draftKey(form));
    if (draft) {
      var values = JSON.parse(draft);
      form.querySelectorAll('input[name="code"]').forEach(function (radio) { radio.checked = radio.value === values.code; });
      var comment = form.querySelector('textarea[name="comment"]');
      if (comment && values.comment !== null) { comment.value = values.comment; }
      var reason = form.querySelector('textarea[name="na_reason"]');
      if (reason && values.na_reason !== null) { reason.value = values.na_reason; }
      showReason(form);
      save(form);
    }
  });

  // A closed tab still sends what was typed in the last moment.
  window.addEventListener("pagehide", function () {
    Object.keys(pending).forEach(function (key) {
      var form = document.querySelector('article.item[data-url="' + key.slice(6) + '"] form.answer-form');
      if (!form) { return; }
      // Form-encoded (with the csrf_token field): the server treats it as the plain form post.
      var data = new URLSearchParams(new FormData(form));
      data.set("version", article(form).dataset.version);
      navigator.sendBeacon(article(form).dataset.url, new Blob([data.toString()], {
        type: "application/x-www-form-urlencoded"
      }));
    });
  });
}());
