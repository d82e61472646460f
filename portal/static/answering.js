// Autosave for the answering page: every change is sent as it is made; nothing typed is lost, and nothing
// typed over an answer that has changed since is ever sent without the person choosing it.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var token = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var texts = document.getElementById("answering-texts").dataset;
  var pending = {};
  var inFlight = {};
  var again = {};
  // Saves are numbered as sent: an older reply about which items are shown never undoes a newer one.
  var sent = 0;
  var followed = 0;

  // The explanation instead of a document stands in the evidence block, outside the form that names it.
  function noteOf(form) { return form.ownerDocument.querySelector('textarea[name="evidence_note"][form="' + form.id + '"]'); }
  function textareas(form) {
    var all = Array.prototype.slice.call(form.querySelectorAll("textarea"));
    return noteOf(form) ? all.concat([noteOf(form)]) : all;
  }

  function fields(form) {
    var checked = form.querySelector('input[name="code"]:checked');
    var comment = form.querySelector('textarea[name="comment"]');
    var reason = form.querySelector('textarea[name="na_reason"]');
    var values = {
      code: checked ? checked.value : null,
      comment: comment ? comment.value : null,
      na_reason: reason ? reason.value : null
    };
    // Sent only where the item has the field: a save without it leaves the stored explanation alone.
    if (noteOf(form)) { values.evidence_note = noteOf(form).value; }
    return values;
  }

  function fill(form, values) {
    form.querySelectorAll('input[name="code"]').forEach(function (radio) { radio.checked = radio.value === values.code; });
    var comment = form.querySelector('textarea[name="comment"]');
    if (comment) { comment.value = values.comment || ""; }
    var reason = form.querySelector('textarea[name="na_reason"]');
    if (reason) { reason.value = values.na_reason || ""; }
    if (noteOf(form)) {
      noteOf(form).value = values.evidence_note || "";
      if (values.evidence_note) { noteOf(form).closest("details").open = true; }
    }
    showReason(form);
  }

  function sameAnswer(one, other) {
    return ["code", "comment", "na_reason", "evidence_note"].every(function (name) {
      return (one[name] || "") === (other[name] || "");
    });
  }

  function article(form) { return form.closest("article.item"); }
  function url(form) { return article(form).dataset.url; }
  // One person's draft is never sent in another's name from a shared computer.
  function draftKey(form) { return "draft:" + texts.user + ":" + url(form); }
  function conflictBox(form) { return article(form).querySelector(".conflict"); }
  function isChoosing(form) { return !conflictBox(form).classList.contains("is-hidden"); }

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

  // The draft remembers the answer version it was typed over, so it is only ever sent on top of that one.
  function remember(form) {
    var draft = fields(form);
    draft.base = Number(article(form).dataset.version);
    localStorage.setItem(draftKey(form), JSON.stringify(draft));
  }

  function storedDraft(form) {
    var stored = localStorage.getItem(draftKey(form));
    // Drafts kept before they carried their version: their base is unknown, so they are only shown.
    var unversioned = "draft:" + url(form);
    if (!stored && localStorage.getItem(unversioned)) {
      stored = localStorage.getItem(unversioned);
      localStorage.removeItem(unversioned);
      localStorage.setItem(draftKey(form), stored);
    }
    return stored ? JSON.parse(stored) : null;
  }

  // Answers are shown with the labels the person chose from, never as codes.
  function describe(form, answer) {
    var list = document.createElement("dl");
    var radio = answer.code && Array.prototype.find.call(
      form.querySelectorAll('input[name="code"]'), function (input) { return input.value === answer.code; });
    [[texts.answerLabel, radio ? radio.closest("label").textContent.trim() : ""],
     [texts.naReasonLabel, answer.code === "na" ? answer.na_reason : ""],
     [texts.commentLabel, answer.comment],
     [texts.noteLabel, answer.evidence_note]].forEach(function (pair) {
      if (!pair[1]) { return; }
      var term = document.createElement("dt");
      term.textContent = pair[0];
      var value = document.createElement("dd");
      value.textContent = pair[1];
      list.append(term, value);
    });
    if (!list.childElementCount) { list.textContent = "—"; }
    return list;
  }

  function button(text, action) {
    var element = document.createElement("button");
    element.type = "button";
    element.textContent = text;
    element.addEventListener("click", action);
    return element;
  }

  function focusAnswer(form) {
    var target = form.querySelector('input[name="code"]:checked, input[name="code"], textarea');
    if (target) { target.focus(); }
  }

  // The unsaved text stays in the form; the saved answer is shown beside it until the person chooses.
  function offerChoice(form, theirs, intro) {
    var box = conflictBox(form);
    box.textContent = "";
    var heading = document.createElement("p");
    heading.textContent = intro;
    var question = document.createElement("p");
    question.textContent = texts.choose;
    var keep = button(texts.keep, function () {
      box.classList.add("is-hidden");
      setVersion(form, theirs.version);
      remember(form);
      focusAnswer(form);
      save(form);
    });
    var take = button(theirs.updated_by_me ? texts.takeSelf : texts.take, function () {
      box.classList.add("is-hidden");
      setVersion(form, theirs.version);
      if (theirs.updated_by_me) { article(form).dataset.answeredById = texts.user; }
      fill(form, theirs);
      localStorage.removeItem(draftKey(form));
      setStatus(form, texts.dropped);
      countSection(article(form).closest("section.section"));
      focusAnswer(form);
    });
    box.append(heading, describe(form, theirs), question, keep, " ", take);
    box.classList.remove("is-hidden");
  }

  function named(text, anonymous, name) { return name ? text.replace("%(name)s", name) : anonymous; }

  function save(form) {
    clearTimeout(pending[url(form)]);
    delete pending[url(form)];
    if (isChoosing(form)) { return; }
    // One save per item at a time: the next one is sent on top of the version the first one returns.
    if (inFlight[url(form)]) { again[url(form)] = true; return; }
    inFlight[url(form)] = true;
    var body = fields(form);
    body.version = Number(article(form).dataset.version);
    var number = ++sent;
    setStatus(form, texts.saving);
    fetch(url(form), {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token, "Accept": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    }).then(function (result) {
      if (result.status === 200) {
        setVersion(form, result.data.version);
        article(form).dataset.answeredById = texts.user;
        // Typed while this save was on its way: still a draft, now on top of the version just saved.
        if (sameAnswer(fields(form), body)) { localStorage.removeItem(draftKey(form)); } else { remember(form); }
        setStatus(form, texts.saved);
        countSection(article(form).closest("section.section"));
        if (result.data.visible) { follow(result.data, number); }
      } else if (result.status === 409 && result.data.current) {
        again[url(form)] = false;
        setStatus(form, result.data.error.message, true);
        offerChoice(form, result.data.current, result.data.current.updated_by_me ? texts.conflictSelf :
          named(texts.conflict, texts.conflictAnonymous, result.data.current.updated_by));
      } else {
        again[url(form)] = false;
        setStatus(form, (result.data.error && result.data.error.message) || texts.offline, true);
      }
    }).catch(function () {
      again[url(form)] = false;
      setStatus(form, texts.offline, true);
    }).then(function () {
      inFlight[url(form)] = false;
      if (again[url(form)]) { again[url(form)] = false; save(form); }
    });
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
    refreshCounts();
  }

  function later(form) {
    remember(form);
    clearTimeout(pending[url(form)]);
    if (isChoosing(form)) { return; }
    pending[url(form)] = setTimeout(function () { save(form); }, 800);
  }

  // A draft typed over the answer the server still holds is sent (the normal case after a connection
  // failure); one typed over an older answer is only shown beside the newer one, for the person to choose.
  function restoreDraft(form) {
    var draft = storedDraft(form);
    if (!draft) { return; }
    var saved = fields(form);
    saved.version = Number(article(form).dataset.version);
    saved.updated_by = article(form).dataset.answeredBy;
    var mine = article(form).dataset.answeredById === texts.user;
    saved.updated_by_me = mine;
    if (sameAnswer(draft, saved)) { localStorage.removeItem(draftKey(form)); return; }
    fill(form, draft);
    // With no answer saved yet there is nothing to overwrite (a draft of unknown base is still only shown).
    if (draft.base === saved.version || (saved.version === 0 && typeof draft.base === "number")) {
      save(form);
      return;
    }
    setStatus(form, texts.unsaved, true);
    offerChoice(form, saved, mine ? texts.staleSelf : named(texts.stale, texts.staleAnonymous, saved.updated_by));
  }

  document.querySelectorAll("article.item.is-editable form.answer-form").forEach(function (form) {
    form.addEventListener("submit", function (event) { event.preventDefault(); save(form); });
    form.querySelectorAll('input[name="code"]').forEach(function (radio) {
      radio.addEventListener("change", function () { showReason(form); remember(form); save(form); });
    });
    textareas(form).forEach(function (area) {
      area.addEventListener("input", function () { later(form); });
      area.addEventListener("blur", function () { if (pending[url(form)]) { save(form); } });
    });
    restoreDraft(form);
  });

  // The connection is back: what was kept on this computer is sent (still on top of its own version).
  window.addEventListener("online", function () {
    document.querySelectorAll("article.item.is-editable form.answer-form").forEach(function (form) {
      if (localStorage.getItem(draftKey(form))) { save(form); }
    });
  });

  // Back to this page from the browser's memory (the back button): it may be stale, so it is loaded again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { window.location.reload(); }
  });

  // Progress and filters ------------------------------------------------------------------------------

  var items = Array.prototype.slice.call(document.querySelectorAll("article.item"));
  var filterButtons = Array.prototype.slice.call(document.querySelectorAll(".filters button[data-filter]"));
  var filter = "";

  function inScope(item) { return !item.classList.contains("is-hidden"); }

  function codeOf(item) {
    var checked = item.querySelector('form.answer-form input[name="code"]:checked');
    return checked ? checked.value : null;
  }

  function needsEvidence(item) {
    var codes = (item.dataset.evidenceCodes || "").split(" ");
    var evidence = item.querySelector(".evidence");
    var note = item.querySelector('textarea[name="evidence_note"]');
    if (note && note.value.trim()) { return false; }  // explained instead: enough to submit
    return codeOf(item) !== null && codes.indexOf(codeOf(item)) >= 0 && evidence && evidence.dataset.count === "0";
  }

  var tests = {
    "": function () { return true; },
    unanswered: function (item) { return !isAnswered(item); },
    evidence: needsEvidence,
    returned: function (item) { return item.dataset.returned === "1"; }
  };

  // The overall bar counts the items in scope (those a condition hides count in neither number).
  function refreshCounts() {
    var shown = items.filter(inScope);
    var answered = shown.filter(isAnswered).length;
    var bar = document.getElementById("progress");
    bar.max = shown.length;
    bar.value = answered;
    document.querySelector("#progress-text .answered").textContent = answered;
    document.querySelector("#progress-text .total").textContent = shown.length;
    filterButtons.forEach(function (filterButton) {
      var name = filterButton.dataset.filter;
      var number = filterButton.querySelector(".n");
      if (number) { number.textContent = "(" + shown.filter(tests[name]).length + ")"; }
    });
  }

  // A filter hides the other items (and sections left empty) at once; the answers are untouched.
  function applyFilter(name) {
    filter = name;
    filterButtons.forEach(function (filterButton) {
      filterButton.setAttribute("aria-pressed", String(filterButton.dataset.filter === name));
    });
    var any = false;
    document.querySelectorAll("section.section").forEach(function (section) {
      var matching = 0;
      section.querySelectorAll("article.item").forEach(function (item) {
        var match = tests[name](item);
        item.classList.toggle("is-filtered-out", !match);
        if (match && inScope(item)) { matching += 1; }
      });
      section.classList.toggle("is-filtered-out", name !== "" && matching === 0);
      any = any || matching > 0;
    });
    document.getElementById("filter-empty").classList.toggle("is-hidden", any);
  }

  filterButtons.forEach(function (filterButton) {
    filterButton.addEventListener("click", function () {
      applyFilter(filter === filterButton.dataset.filter ? "" : filterButton.dataset.filter);
    });
  });
  var filters = document.querySelector(".filters");
  if (filters) { filters.hidden = false; }

  // The bar stays on screen while scrolling: a link to a section leaves the section's title below it.
  var answeringBar = document.querySelector(".answering-bar");
  function measureBar() {
    document.documentElement.style.setProperty("--bar-height", answeringBar.offsetHeight + "px");
  }
  if (answeringBar) {
    measureBar();
    window.addEventListener("resize", measureBar);
  }

  // The section being read is marked in the bar (and kept in view where the bar scrolls sideways).
  var toc = document.querySelector(".toc");
  if (toc && "IntersectionObserver" in window) {
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (!entry.isIntersecting) { return; }
        toc.querySelectorAll("a").forEach(function (link) {
          var current = link.getAttribute("href") === "#" + entry.target.id;
          if (current) {
            link.setAttribute("aria-current", "true");
            toc.scrollLeft = link.offsetLeft - (toc.clientWidth - link.offsetWidth) / 2;
          } else {
            link.removeAttribute("aria-current");
          }
        });
      });
    }, { rootMargin: "-" + (answeringBar.offsetHeight + 20) + "px 0px -65% 0px" });
    document.querySelectorAll("section.section").forEach(function (section) { observer.observe(section); });
  }

  // Evidence ---------------------------------------------------------------------------------------------

  function evidenceMessage(item, text, isError) {
    var message = item.querySelector(".evidence-message");
    message.textContent = text;
    message.classList.toggle("is-error", !!isError);
  }

  // The organisation's files, offered on every item: a file uploaded for one item can be attached to others.
  function refreshLibrary(files) {
    document.querySelectorAll("form.attach").forEach(function (form) {
      var select = form.querySelector("select");
      var chosen = select.value;
      select.textContent = "";
      files.forEach(function (file) {
        var option = document.createElement("option");
        option.value = file.id;
        option.textContent = file.filename;
        select.append(option);
      });
      if (chosen) { select.value = chosen; }
      if (!select.value && select.options.length) { select.selectedIndex = 0; }
      form.classList.toggle("is-hidden", files.length === 0);
    });
  }

  // Uploads, attachments and removals answer with the item's new list of files; a refusal is shown beside it.
  // A form sent for a JSON answer: { ok, data } whatever the server said (a page that is not JSON reads as failed).
  function postForm(url, body) {
    return fetch(url, {
      method: "POST",
      headers: { "X-CSRFToken": token, "Accept": "application/json" },
      body: body,
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; },
        function () { return { ok: false, data: {} }; });
    });
  }

  function failure(result) { return (result.data.error && result.data.error.message) || texts.failed; }

  // The item's flag and border follow its files: shown while one of them does not satisfy the rule.
  function flagEvidence(item) {
    var failing = item.querySelector(".evidence .is-failing") !== null;
    item.querySelector(".evidence").classList.toggle("has-problems", failing);
    var flag = item.querySelector(".badge.evidence-flag");
    if (flag) { flag.hidden = !failing; }
  }

  function sendEvidence(item, url, body) {
    return postForm(url, body).then(function (result) {
      if (!result.ok) {
        evidenceMessage(item, failure(result), true);
        return false;
      }
      var evidence = item.querySelector(".evidence");
      evidence.querySelector(".evidence-files").innerHTML = result.data.html;
      evidence.dataset.count = String(result.data.count);
      flagEvidence(item);
      refreshLibrary(result.data.library);
      evidenceMessage(item, result.data.message);
      refreshCounts();
      return true;
    }, function () {
      evidenceMessage(item, texts.failed, true);
      return false;
    });
  }

  // The kind and dates chosen beside the upload button go with each file.
  function appendFileFacts(item, body) {
    item.querySelectorAll(".upload-facts select, .upload-facts input").forEach(function (field) {
      body.append(field.name, field.value);
    });
  }

  function hasFiles(event) {
    return !!event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") >= 0;
  }

  function withFile(text, name) { return text.replace("%(file)s", name); }

  // One file per request, one after another: each is checked against the limit before it is sent.
  function uploadFiles(item, files) {
    var url = item.querySelector(".evidence").dataset.upload;
    var limit = Number(texts.maxBytes) || 0;
    var queue = Array.prototype.slice.call(files);
    function next() {
      var file = queue.shift();
      if (!file) { return Promise.resolve(); }
      if (limit && file.size > limit) {
        evidenceMessage(item, withFile(texts.tooLarge, file.name), true);
        return Promise.resolve();
      }
      evidenceMessage(item, withFile(texts.uploading, file.name));
      var body = new FormData();
      body.append("csrf_token", token);
      body.append("files", file, file.name);
      appendFileFacts(item, body);
      return sendEvidence(item, url, body).then(function (ok) { return ok ? next() : undefined; });
    }
    return next();
  }

  // A file input shown as a button in the page's language: the chosen names stand beside it.
  document.querySelectorAll('label.file-pick input[type="file"]').forEach(function (picker) {
    picker.addEventListener("change", function () {
      picker.form.querySelector(".chosen").textContent = Array.prototype.map.call(picker.files, function (file) {
        return file.name;
      }).join("、");
    });
  });

  document.querySelectorAll("article.item.is-editable").forEach(function (item) {
    var upload = item.querySelector("form.upload");
    if (upload) {
      upload.addEventListener("submit", function (event) {
        event.preventDefault();
        var input = upload.querySelector('input[type="file"]');
        if (!input.files.length) {
          sendEvidence(item, upload.action, new FormData(upload));
          return;
        }
        uploadFiles(item, input.files).then(function () {
          input.value = "";
          upload.querySelector(".chosen").textContent = "";
        });
      });
    }
    var attach = item.querySelector("form.attach");
    if (attach) {
      attach.addEventListener("submit", function (event) {
        event.preventDefault();
        sendEvidence(item, attach.action, new FormData(attach));
      });
    }
    // The remove buttons come and go with the list: one listener on the item hears them all.
    item.addEventListener("submit", function (event) {
      if (!event.target.matches("form.detach, form.describe")) { return; }
      event.preventDefault();
      sendEvidence(item, event.target.action, new FormData(event.target));
    });
    var zone = item.querySelector(".evidence.is-droppable");
    if (!zone) { return; }
    zone.addEventListener("dragover", function (event) {
      if (hasFiles(event)) {
        event.preventDefault();
        zone.classList.add("is-dragover");
      }
    });
    zone.addEventListener("dragleave", function () { zone.classList.remove("is-dragover"); });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      zone.classList.remove("is-dragover");
      if (event.dataTransfer && event.dataTransfer.files.length) { uploadFiles(item, event.dataTransfer.files); }
    });
  });

  // A file dropped beside an item's evidence is not opened by the browser in place of the page.
  ["dragover", "drop"].forEach(function (name) {
    window.addEventListener(name, function (event) {
      if (hasFiles(event)) { event.preventDefault(); }
    });
  });

  // Citing subcontractors' assessments (委託先管理): the picker and the remove buttons answer with the item's list.
  function setUpCitations() {
    function send(box, form) {
      var message = box.querySelector(".citation-message");
      postForm(form.action, new FormData(form)).then(function (result) {
        if (result.ok) {
          box.querySelector(".citation-list").innerHTML = result.data.html;
          offerUncited(box);
        }
        message.textContent = result.ok ? result.data.message
          : failure(result);
        message.classList.toggle("is-error", !result.ok);
      }, function () {
        message.textContent = texts.failed;
        message.classList.add("is-error");
      });
    }
    // What is cited already is not offered again; with nothing left to cite the button rests.
    function offerUncited(box) {
      var select = box.querySelector("form.cite select");
      if (!select) { return; }
      var free = Array.prototype.filter.call(select.options, function (option) {
        option.disabled = !!box.querySelector('li[data-cited="' + option.value + '"]');
        return !option.disabled;
      });
      if (select.selectedOptions[0] && select.selectedOptions[0].disabled && free.length) { free[0].selected = true; }
      box.querySelector("form.cite button").disabled = !free.length;
    }
    document.querySelectorAll("article.item.is-editable .citations").forEach(function (box) {
      offerUncited(box);
      box.addEventListener("submit", function (event) {
        if (!event.target.matches("form.cite, form.uncite")) { return; }
        event.preventDefault();
        send(box, event.target);
      });
    });
  }
  setUpCitations();

  // Suggestions from the answer library: accepting one, a section's or all answers the items in place (the
  // server saves them as any answer is saved); the boxes of the accepted items go away.
  function setUpSuggestions() {
    var message = document.querySelector(".suggestion-message");
    function accepted(data) {
      Object.keys(data.items).forEach(function (id) {
        var item = document.getElementById("item-" + id);
        if (!item) { return; }
        var form = item.querySelector("form.answer-form");
        var answer = data.items[id];
        fill(form, answer);
        setVersion(form, answer.version);
        item.dataset.answeredById = texts.user;
        localStorage.removeItem(draftKey(form));
        setStatus(form, texts.saved);
        if (answer.evidence) {
          var evidence = item.querySelector(".evidence");
          evidence.querySelector(".evidence-files").innerHTML = answer.evidence.html;
          evidence.dataset.count = String(answer.evidence.count);
          flagEvidence(item);
        }
        var box = item.querySelector(".suggestion");
        if (box) { box.remove(); }
      });
      follow(data, ++sent);
      document.querySelectorAll("section.section").forEach(function (section) {
        var rest = section.querySelector(".suggestion");
        var form = section.querySelector("form.section-suggestions");
        if (form && !rest) { form.remove(); }
        countSection(section);
      });
      var bar = document.getElementById("suggestions");
      // Nothing left to offer: the count and the button go, the message stays.
      if (bar && !document.querySelector(".suggestion")) {
        bar.querySelectorAll("form, p:not(.suggestion-message)").forEach(function (node) { node.remove(); });
      }
    }
    function say(text, isError) {
      if (!message) { return; }
      message.textContent = text;
      message.classList.toggle("is-error", !!isError);
    }
    document.querySelectorAll("form.accept-suggestion").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        postForm(form.action, new FormData(form)).then(function (result) {
          if (result.ok) { accepted(result.data); }
          say(result.ok ? result.data.message : failure(result), !result.ok);
        }, function () { say(texts.failed, true); });
      });
    });
  }
  setUpSuggestions();

  refreshCounts();

  // A closed tab still sends what was typed in the last moment.
  window.addEventListener("pagehide", function () {
    Object.keys(pending).forEach(function (key) {
      var item = document.querySelector('article.item[data-url="' + key + '"]');
      var form = item && item.querySelector("form.answer-form");
      if (!form) { return; }
      // Form-encoded (with the csrf_token field): the server treats it as the plain form post.
      var data = new URLSearchParams(new FormData(form));
      data.set("version", item.dataset.version);
      navigator.sendBeacon(key, new Blob([data.toString()], { type: "application/x-www-form-urlencoded" }));
    });
  });
}());
