// The evidence library: a file's dates and kind are saved without reloading the page (JSON, CSRF token).
(function () {
  "use strict";
  document.querySelectorAll("form.describe-library").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var message = form.querySelector(".describe-message");
      fetch(form.action, {
        method: "POST",
        headers: { "X-CSRFToken": form.querySelector('input[name="csrf_token"]').value, "Accept": "application/json" },
        body: new FormData(form),
        credentials: "same-origin"
      }).then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      }).then(function (result) {
        var data = result.data;
        message.textContent = result.ok ? data.message : (data.error && data.error.message) || "";
        message.classList.toggle("is-error", !result.ok);
        if (result.ok) {
          var row = form.closest("tr");
          row.classList.toggle("is-expired", data.expired);
          if (data.expired) { row.classList.remove("is-expiring"); }
        }
      }, function () { message.classList.add("is-error"); });
    });
  });
})();
