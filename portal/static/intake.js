// Tier intake: update the suggested tier as the questions are answered (the server computes it too), and
// put it in the tier field unless the person chose a tier (changed the field from the one the page
// offered, or gave a reason): the same rule as TierForm.preselect_suggestion on the server.
(function () {
  "use strict";
  var METI = ["holds_confidential_data", "outage_stops_us", "connected_to_our_network"];

  function answer(form, name) {
    var checked = form.querySelector('input[name="' + name + '"]:checked');
    return checked ? checked.value : null;
  }

  function suggestion(form) {
    var names = METI.concat(["runs_our_systems"]);
    if (!names.some(function (n) { return answer(form, n) !== null; })) return null;
    if (answer(form, "runs_our_systems") === "yes") return "T3";
    if (METI.some(function (n) { return answer(form, n) === "yes"; })) return "T2";
    return "T1";
  }

  function preselect(form, tier) {
    var select = form.querySelector('select[name="tier"]');
    var offered = form.querySelector('input[name="offered_tier"]');
    var reason = form.querySelector('[name="tier_reason"]');
    if (!select || !offered || select.value !== offered.value) return;
    if (reason && reason.value.trim() !== "") return;
    select.value = tier;
    offered.value = tier;
  }

  function update(fieldset) {
    var form = fieldset.form || fieldset.closest("form");
    var tier = suggestion(form);
    var box = fieldset.querySelector("[data-suggestion]");
    box.querySelector("[data-suggested]").textContent = tier ? box.dataset[tier.toLowerCase()] : box.dataset.none;
    // The same suggestion as the level each questionnaire naming its levels would ask (METI: T2 → ★4).
    fieldset.querySelectorAll("[data-level-suggestion]").forEach(function (line) {
      var levels = JSON.parse(line.dataset.levels);
      line.querySelector("[data-suggested-level]").textContent = tier ? levels[tier] : box.dataset.none;
    });
    if (tier) preselect(form, tier);
  }

  document.querySelectorAll("[data-intake]").forEach(function (fieldset) {
    fieldset.addEventListener("change", function () { update(fieldset); });
  });
})();
