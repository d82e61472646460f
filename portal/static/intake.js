// Tier intake: update the suggested tier as the questions are answered (the server computes it too).
(function () {
  "use strict";
  var METI = ["holds_confidential_data", "outage_stops_us", "connected_to_our_network"];

  function answer(form, name) {
    var checked = form.querySelector('input[name="' + name + '"]:checked');
    return checked ? checked.value : null;
  }

  function update(fieldset) {
    var form = fieldset.form || fieldset.closest("form");
    var names = METI.concat(["runs_our_systems"]);
    var answered = names.some(function (n) { return answer(form, n) !== null; });
    var tier = null;
    if (answered) {
      if (answer(form, "runs_our_systems") === "yes") tier = "t3";
      else if (METI.some(function (n) { return answer(form, n) === "yes"; })) tier = "t2";
      else tier = "t1";
    }
    var box = fieldset.querySelector("[data-suggestion]");
    box.querySelector("[data-suggested]").textContent = tier ? box.dataset[tier] : box.dataset.none;
  }

  document.querySelectorAll("[data-intake]").forEach(function (fieldset) {
    fieldset.addEventListener("change", function () { update(fieldset); });
  });
})();
