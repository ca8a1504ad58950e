// Small enhancements only: every form works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("change", function (event) {
    var target = event.target;
    // A fund picker or a filter select submits its form at once.
    if (target.matches && target.matches("select[data-autosubmit]") && target.form) {
      target.form.submit();
    }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    // One click, one submission: a double click must not post twice.
    if (form.method && form.method.toLowerCase() === "post") {
      if (form.dataset.sent === "1") { event.preventDefault(); return; }
      form.dataset.sent = "1";
      Array.prototype.forEach.call(form.querySelectorAll("button[type=submit]"), function (b) {
        b.setAttribute("aria-busy", "true");
      });
    }
  });
  // The rule editor shows only the inputs of the chosen kind of rule.
  function syncRuleKind() {
    var checked = document.querySelector("input[name=kind]:checked");
    if (!checked) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("[data-rule-kind]"), function (el) {
      el.hidden = el.getAttribute("data-rule-kind") !== checked.value;
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.name === "kind") { syncRuleKind(); }
  });
  document.addEventListener("DOMContentLoaded", syncRuleKind);
})();
