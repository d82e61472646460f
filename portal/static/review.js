// The review page without reloads: each decision is saved as it is made (a decision changed meanwhile is shown,
// never overwritten), keys a / c / n / j / k, filters, "accept all undecided", confirmations, evidence previews.
// Without JavaScript every form still posts and the filters are links.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var token = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var list = document.getElementById("review-items");
  if (!list) { return; }
  var texts = list.dataset;
  var bar = document.getElementById("review-bar");
  var canDecide = bar && bar.dataset.canDecide === "yes";
  var items = Array.prototype.slice.call(list.querySelectorAll("article.review-item"));
  var current = null;
  var filter = new URLSearchParams(location.search).get("show") || "";

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, name) { return values[name]; });
  }

  function send(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, data: data };
      });
    });
  }

  // Confirmations in the page (a <dialog>), the browser's own where there is none.
  function confirmIn(question) {
    var dialog = document.getElementById("confirm-dialog");
    if (!dialog || typeof dialog.showModal !== "function") { return Promise.resolve(window.confirm(question)); }
    document.getElementById("confirm-question").textContent = question;
    dialog.returnValue = "";
    dialog.showModal();
    dialog.querySelector('button[value="yes"]').focus();
    return new Promise(function (resolve) {
      dialog.addEventListener("close", function () { resolve(dialog.returnValue === "yes"); }, { once: true });
    });
  }

  // Items, their decisions and the counts ---------------------------------------------------------------

  function decisionOf(article) { return article.dataset.decision || ""; }

  function matches(article, name) {
    if (!name) { return true; }
    if (name === "undecided") { return !decisionOf(article); }
    if (name === "clarification" || name === "nonconforming") { return decisionOf(article) === name; }
    return article.dataset[name] === "yes";
  }

  function refreshCounts() {
    var counts = { all: items.length, undecided: 0, clarification: 0, nonconforming: 0, evidence: 0, changed: 0 };
    items.forEach(function (article) {
      ["undecided", "clarification", "nonconforming", "evidence", "changed"].forEach(function (name) {
        if (matches(article, name)) { counts[name] += 1; }
      });
    });
    document.querySelectorAll("[data-count]").forEach(function (element) {
      element.textContent = counts[element.dataset.count];
    });
    var accept = document.getElementById("accept-undecided");
    if (accept) {
      var button = accept.querySelector("button");
      button.textContent = fill(button.dataset.label, { n: counts.undecided });
      accept.classList.toggle("is-hidden", counts.undecided === 0);
      accept.querySelectorAll('input[name="item"]').forEach(function (input) { input.remove(); });
      items.forEach(function (article) {
        if (decisionOf(article)) { return; }
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = "item";
        input.value = article.dataset.item;
        accept.append(input);
      });
    }
    var warning = document.getElementById("undecided-warning");
    if (warning) {
      var text = warning.querySelector(".text");
      text.textContent = fill(text.dataset.template, { n: counts.undecided });
      warning.classList.toggle("is-hidden", counts.undecided === 0);
    }
    var returning = document.getElementById("return-button");
    if (returning) { returning.textContent = fill(texts.textsReturnLabel, { n: counts.clarification }); }
    return counts;
  }

  function applyFilter() {
    var shown = 0;
    items.forEach(function (article) {
      var show = matches(article, filter);
      article.classList.toggle("is-filtered-out", !show);
      if (show) { shown += 1; }
    });
    list.querySelectorAll("h2.section-title").forEach(function (heading) {
      var any = items.some(function (a) { return a.dataset.section === heading.dataset.section && !a.classList.contains("is-filtered-out"); });
      heading.classList.toggle("is-filtered-out", !any);
    });
    document.getElementById("filter-empty").classList.toggle("is-hidden", shown > 0);
    document.querySelectorAll(".filters a").forEach(function (link) {
      if (link.dataset.filter === filter) { link.setAttribute("aria-current", "true"); } else { link.removeAttribute("aria-current"); }
    });
  }

  // The mark beside the item: an icon and the word, as the server draws it.
  function showDecision(article, shown) {
    var value = shown ? shown.decision : "";
    article.dataset.decision = value;
    article.dataset.version = shown ? shown.version : 0;
    ["accepted", "clarification", "nonconforming", "undecided"].forEach(function (name) {
      article.classList.toggle("is-" + name, (value || "undecided") === name);
    });
    var mark = article.querySelector(".item-head .decision-mark");
    var model = value ? article.querySelector(".decision-choice.is-" + value + " .decision-mark") : null;
    if (mark && model) {
      mark.replaceWith(model.cloneNode(true));
    } else if (mark) {
      mark.className = "decision-mark";
      mark.querySelector(".icon").textContent = "…";
      mark.querySelector(".word").textContent = texts.textsUndecided;
    }
    var form = article.querySelector("form.decision");
    if (form) { form.querySelector('input[name="version"]').value = article.dataset.version; }
    var by = article.querySelector(".decided-by");
    if (by) { by.textContent = shown && shown.decided_by ? fill(texts.textsBy, { name: shown.decided_by }) : ""; }
    syncActionRow(article);
  }

  // A nonconforming item needs a corrective action in the outcome form: its row comes and goes with the decision.
  function syncActionRow(article) {
    var table = document.getElementById("action-rows");
    var template = document.getElementById("action-row-template");
    if (!table || !template) { return; }
    var id = article.dataset.item;
    var row = table.querySelector('tbody tr[data-item="' + CSS.escape(id) + '"]');
    if (decisionOf(article) === "nonconforming" && !row) {
      row = template.content.firstElementChild.cloneNode(true);
      row.dataset.item = id;
      row.querySelector(".item-ref").textContent = id;
      row.querySelector('input[name="action_item"]').value = id;
      row.querySelectorAll("input[data-name]").forEach(function (input) { input.name = input.dataset.name + "_" + id; });
      row.querySelector('input[data-name="title"]').value = article.dataset.title;
      var rows = Array.prototype.slice.call(table.tBodies[0].rows);
      var order = items.indexOf(article);
      var before = rows.find(function (other) { return items.indexOf(document.getElementById("item-" + other.dataset.item)) > order; });
      table.tBodies[0].insertBefore(row, before || null);
    } else if (decisionOf(article) !== "nonconforming" && row) {
      row.remove();
    }
    table.classList.toggle("is-hidden", table.tBodies[0].rows.length === 0);
  }

  // Saving a decision -----------------------------------------------------------------------------------

  function fields(form) {
    var checked = form.querySelector('input[name="decision"]:checked');
    return {
      decision: checked ? checked.value : "",
      comment: form.querySelector('input[name="comment"]').value,
      visible_to_supplier: form.querySelector('input[name="visible_to_supplier"]').checked
    };
  }

  function setStatus(article, text, isError) {
    var status = article.querySelector("form.decision .status");
    status.textContent = text;
    status.classList.toggle("is-error", !!isError);
  }

  function conflictBox(article) { return article.querySelector(".conflict"); }

  // One save of an item at a time: a change made meanwhile is sent after the reply, over its version.
  var inFlight = new Set();
  var again = new Set();

  function save(article, forced) {
    var form = article.querySelector("form.decision");
    var sent = fields(form);
    if (!sent.decision) { return; }
    if (sent.decision !== "accepted" && !sent.comment.trim()) {
      setStatus(article, texts.textsNeedsComment, false);
      return;
    }
    if (inFlight.has(article)) { again.add(article); return; }
    if (!forced && article.dataset.saved === JSON.stringify(sent)) { return; }
    sent.version = Number(article.dataset.version);
    setStatus(article, texts.textsSaving, false);
    inFlight.add(article);
    send(form.action, sent).then(function (reply) {
      inFlight.delete(article);
      if (reply.status === 200) {
        conflictBox(article).classList.add("is-hidden");
        delete sent.version;
        article.dataset.saved = JSON.stringify(sent);
        showDecision(article, reply.data);
        setStatus(article, texts.textsSaved, false);
        refreshCounts();
        if (again.delete(article)) { save(article, false); }
      } else if (reply.status === 409 && reply.data.current) {
        offerChoice(article, reply.data);
        setStatus(article, "", false);
      } else {
        setStatus(article, (reply.data.error && reply.data.error.message) || texts.textsFailed, true);
      }
      again.delete(article);
    }, function () {
      inFlight.delete(article);
      again.delete(article);
      setStatus(article, texts.textsOffline, true);
    });
  }

  // Someone changed the decision meanwhile: theirs is shown, in words, beside the reviewer's own, who chooses.
  function offerChoice(article, data) {
    var theirs = data.current;
    var box = conflictBox(article);
    box.textContent = "";
    var message = document.createElement("p");
    message.textContent = data.error.message;
    box.append(message);
    if (theirs.comment) {
      var comment = document.createElement("p");
      comment.className = "their-comment";
      comment.textContent = "“" + theirs.comment + "”" + (theirs.visible_to_supplier ? "" : " (" + texts.textsInternal + ")");
      box.append(comment);
    }
    var keep = document.createElement("button");
    keep.type = "button";
    keep.textContent = texts.textsConflictKeep;
    keep.addEventListener("click", function () {
      article.dataset.version = theirs.version;
      save(article, true);
    });
    var take = document.createElement("button");
    take.type = "button";
    take.className = "primary";
    take.textContent = texts.textsConflictTake;
    take.addEventListener("click", function () {
      var form = article.querySelector("form.decision");
      form.querySelectorAll('input[name="decision"]').forEach(function (radio) { radio.checked = radio.value === theirs.decision; });
      form.querySelector('input[name="comment"]').value = theirs.comment || "";
      form.querySelector('input[name="visible_to_supplier"]').checked = theirs.visible_to_supplier;
      article.dataset.saved = JSON.stringify(fields(form));
      showDecision(article, theirs);
      refreshCounts();
      box.classList.add("is-hidden");
    });
    box.append(keep, " ", take);
    box.classList.remove("is-hidden");
  }

  function choose(article, value) {
    var form = article.querySelector("form.decision");
    if (!form) { return; }
    var radio = form.querySelector('input[name="decision"][value="' + value + '"]');
    radio.checked = true;
    if (value !== "accepted" && !form.querySelector('input[name="comment"]').value.trim()) {
      form.querySelector('input[name="comment"]').focus();
    }
    save(article, false);
  }

  items.forEach(function (article) {
    var form = article.querySelector("form.decision");
    if (!form) { return; }
    article.dataset.saved = decisionOf(article) ? JSON.stringify(fields(form)) : "";
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      save(article, false);
    });
    form.querySelectorAll('input[name="decision"]').forEach(function (radio) {
      radio.addEventListener("change", function () { choose(article, radio.value); });
    });
    form.querySelector('input[name="comment"]').addEventListener("change", function () { save(article, false); });
    form.querySelector('input[name="visible_to_supplier"]').addEventListener("change", function () { save(article, false); });
  });

  // The current item, moving, keys ------------------------------------------------------------------------

  function setCurrent(article, scroll) {
    if (current) { current.classList.remove("is-current"); }
    current = article;
    if (!article) { return; }
    article.classList.add("is-current");
    if (scroll) {
      article.focus({ preventScroll: true });
      article.scrollIntoView({ block: "nearest" });
    }
  }

  function step(direction) {
    var shown = items.filter(function (a) { return !a.classList.contains("is-filtered-out"); });
    if (!shown.length) { return; }
    var at = shown.indexOf(current);
    var next = at === -1 ? (direction > 0 ? 0 : shown.length - 1) : Math.min(shown.length - 1, Math.max(0, at + direction));
    setCurrent(shown[next], true);
  }

  list.addEventListener("focusin", function (event) {
    var article = event.target.closest("article.review-item");
    if (article && article !== current) { setCurrent(article, false); }
  });
  list.addEventListener("click", function (event) {
    var article = event.target.closest("article.review-item");
    if (article && article !== current) { setCurrent(article, false); }
  });

  document.querySelectorAll("[data-step]").forEach(function (button) {
    button.addEventListener("click", function () { step(Number(button.dataset.step)); });
  });

  function typing(target) {
    return target.isContentEditable || target.matches("textarea, select, input:not([type=radio]):not([type=checkbox])");
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing || typing(event.target)) { return; }
    if (document.querySelector("dialog[open]")) { return; }
    var key = event.key.toLowerCase();
    if (key === "j" || key === "k") {
      event.preventDefault();
      step(key === "j" ? 1 : -1);
    } else if (canDecide && current && (key === "a" || key === "c" || key === "n")) {
      event.preventDefault();
      var value = { a: "accepted", c: "clarification", n: "nonconforming" }[key];
      var article = current;
      choose(article, value);
      if (value === "accepted") { step(1); }
    }
  });

  // Filters without a reload: the links still work, and the address keeps the filter.
  document.querySelectorAll(".filters a").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      filter = link.dataset.filter;
      var url = new URL(location.href);
      if (filter) { url.searchParams.set("show", filter); } else { url.searchParams.delete("show"); }
      history.replaceState(null, "", url);
      applyFilter();
      if (current && current.classList.contains("is-filtered-out")) { setCurrent(null, false); }
    });
  });

  // Bulk and outcome, each confirmed ----------------------------------------------------------------------

  var accept = document.getElementById("accept-undecided");
  if (accept) {
    accept.querySelector(".confirm-box").classList.add("is-hidden");
    accept.querySelector('input[name="confirm"]').required = false;
    accept.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = accept.querySelector("button");
      var undecided = items.filter(function (a) { return !decisionOf(a); });
      confirmIn(fill(button.dataset.question, { n: undecided.length })).then(function (yes) {
        if (!yes) { return; }
        var status = bar.querySelector(".bar-status");
        status.textContent = texts.textsSaving;
        send(accept.action, { confirm: "yes", items: undecided.map(function (a) { return a.dataset.item; }) }).then(function (reply) {
          if (reply.status !== 200) {
            status.textContent = (reply.data.error && reply.data.error.message) || texts.textsFailed;
            status.classList.add("is-error");
            return;
          }
          status.classList.remove("is-error");
          status.textContent = texts.textsSaved;
          Object.keys(reply.data.accepted).forEach(function (id) {
            var article = document.getElementById("item-" + id);
            var shown = reply.data.accepted[id];
            var form = article.querySelector("form.decision");
            form.querySelectorAll('input[name="decision"]').forEach(function (radio) { radio.checked = radio.value === shown.decision; });
            article.dataset.saved = JSON.stringify(fields(form));
            showDecision(article, shown);
          });
          refreshCounts();
          applyFilter();
        }, function () { status.textContent = texts.textsOffline; status.classList.add("is-error"); });
      });
    });
  }

  var outcome = document.getElementById("outcome-form");
  if (outcome) {
    var confirmBox = outcome.querySelector("#undecided-warning .confirm-box");
    confirmBox.classList.add("is-hidden");
    // On the button, before the browser checks the fields: the question comes first.
    outcome.querySelector('button[type="submit"]').addEventListener("click", function (event) {
      var undecided = items.filter(function (a) { return !decisionOf(a); }).length;
      var box = outcome.querySelector('input[name="confirm_undecided"]');
      if (!undecided || box.checked) { return; }
      event.preventDefault();
      confirmIn(fill(texts.textsOutcomeQuestion, { n: undecided })).then(function (yes) {
        if (!yes) { return; }
        box.checked = true;
        outcome.requestSubmit();
      });
    });
  }

  // Evidence previews: PDF in a frame, images as images, both served inline by the download route -----------

  var preview = document.getElementById("preview-dialog");
  list.addEventListener("click", function (event) {
    var link = event.target.closest("a.preview");
    if (!link || !preview || typeof preview.showModal !== "function") { return; }
    event.preventDefault();
    var body = document.getElementById("preview-body");
    body.textContent = "";
    var shown;
    if (link.dataset.kind === "pdf") {
      shown = document.createElement("iframe");
      shown.title = link.dataset.name;
    } else {
      shown = document.createElement("img");
      shown.alt = link.dataset.name;
    }
    shown.src = link.href;
    body.append(shown);
    document.getElementById("preview-title").textContent = link.dataset.name;
    document.getElementById("preview-download").href = link.dataset.download;
    preview.showModal();
  });
  if (preview) {
    preview.addEventListener("close", function () { document.getElementById("preview-body").textContent = ""; });
  }

  refreshCounts();
  applyFilter();
})();
