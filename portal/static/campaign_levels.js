// The campaign form's level list follows the chosen questionnaire: a questionnaire with two levels (★3, ★4)
// offers two, under its own names. The levels come with the page (data-levels: version id → [tier, name]).
(function () {
  "use strict";
  const tier = document.getElementById("tier");
  const version = document.getElementById("questionnaire_version_id");
  if (!tier || !version || !tier.dataset.levels) {
    return;
  }
  const levels = JSON.parse(tier.dataset.levels);
  version.addEventListener("change", function () {
    const chosen = tier.value;
    // Options that are no level (the campaign form's "each supplier's own tier") stay first.
    const own = Array.from(tier.options).filter((option) => !option.value);
    tier.replaceChildren(...own);
    for (const [value, name] of levels[version.value] || []) {
      const option = new Option(name, value);
      option.selected = value === chosen;
      tier.add(option);
    }
  });
})();
