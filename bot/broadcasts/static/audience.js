// The audience picker's live count: ask the server whenever a filter changes.
// Without this script the "Count again" button does the same with a page load.
(function () {
  "use strict";
  var box = document.getElementById("audience");
  var output = document.getElementById("audience-count");
  if (!box || !output) { return; }
  var timer = null;
  var asked = 0;

  function query() {
    var params = new URLSearchParams();
    box.querySelectorAll("input, select").forEach(function (field) {
      if (!field.name || field.disabled) { return; }
      if ((field.type === "checkbox" || field.type === "radio") && !field.checked) { return; }
      if (field.value !== "") { params.append(field.name, field.value); }
    });
    return params.toString();
  }

  function refresh() {
    var mine = ++asked;
    output.setAttribute("aria-busy", "true");
    fetch(box.dataset.countUrl + "?" + query(), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && mine === asked) {
          output.textContent = data.label;
          output.dataset.count = String(data.count);
        }
      })
      .finally(function () { if (mine === asked) { output.removeAttribute("aria-busy"); } });
  }

  box.addEventListener("change", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  });
})();
