// Progressive enhancement for ballots: keep a running total in an aria-live region as
// projects are ticked or points typed. Without this script the server checks the ballot.
(function () {
  "use strict";

  function pounds(pence) {
    var whole = Math.floor(Math.abs(pence) / 100);
    var part = Math.abs(pence) % 100;
    var text = "£" + whole.toLocaleString("en-GB");
    if (part) {
      text += "." + (part < 10 ? "0" : "") + part;
    }
    return (pence < 0 ? "-" : "") + text;
  }

  function update(form, output) {
    var kind = form.getAttribute("data-kind");
    var limit = parseInt(form.getAttribute("data-limit"), 10);
    if (kind === "cumulative") {
      var allowed = parseInt(form.getAttribute("data-points"), 10);
      var given = 0;
      form.querySelectorAll("input[type=number][data-cost]").forEach(function (input) {
        var value = parseInt(input.value, 10);
        if (!isNaN(value) && value > 0) {
          given += value;
        }
      });
      var text = "Points given: " + given + " of " + allowed + ".";
      if (given > allowed) {
        text += " That is " + (given - allowed) + " too many.";
      }
      output.textContent = text;
      return;
    }
    var cost = 0;
    var count = 0;
    form.querySelectorAll("input[type=checkbox][data-cost]:checked").forEach(function (box) {
      cost += parseInt(box.getAttribute("data-cost"), 10);
      count += 1;
    });
    var message = "Your choices cost " + pounds(cost) + " of " + pounds(limit) + ".";
    if (kind === "approval_budget" && cost > limit) {
      message += " That is " + pounds(cost - limit) + " over the limit.";
    }
    var most = parseInt(form.getAttribute("data-max-projects"), 10);
    if (!isNaN(most)) {
      message += " " + count + " of at most " + most + " projects chosen.";
      if (count > most) {
        message += " That is too many.";
      }
    }
    output.textContent = message;
  }

  document.querySelectorAll("form.ballot").forEach(function (form) {
    var output = document.getElementById("running-total");
    if (!output) {
      return;
    }
    form.addEventListener("input", function () { update(form, output); });
    form.addEventListener("change", function () { update(form, output); });
    update(form, output);
  });
})();
