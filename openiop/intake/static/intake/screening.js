/* Skip logic on the screening form: hide (and disable) questions whose condition is not met.
   Conditions come from the instrument definitions as data-enable-when JSON on each question's
   fieldset: {"key","op","value"} or {"any": [...]} / {"all": [...]}. A question is shown only
   when its condition is definitely true; the server drops answers to questions not asked,
   so this is a convenience, never the safeguard. No inline script (CSP). */
(function () {
  "use strict";
  var form = document.getElementById("screening-form");
  if (!form) { return; }

  function current(key) {
    var inputs = form.querySelectorAll('[name="item_' + key + '"]');
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if (input.disabled) { return undefined; }
      if (input.type === "radio") {
        if (input.checked) { return input.value; }
      } else if (input.value !== "") {
        return input.value;
      }
    }
    return undefined;
  }

  function evaluate(rule) {
    if (rule.any) {
      var unknown = false;
      for (var i = 0; i < rule.any.length; i++) {
        var r = evaluate(rule.any[i]);
        if (r === true) { return true; }
        if (r === null) { unknown = true; }
      }
      return unknown ? null : false;
    }
    if (rule.all) {
      var missing = false;
      for (var j = 0; j < rule.all.length; j++) {
        var s = evaluate(rule.all[j]);
        if (s === false) { return false; }
        if (s === null) { missing = true; }
      }
      return missing ? null : true;
    }
    var given = current(rule.key);
    if (given === undefined) { return null; }
    if (typeof rule.value === "string") {
      return rule.op === "==" ? given === rule.value : false;
    }
    var n = Number(given);
    if (isNaN(n)) { return null; }
    if (rule.op === "==") { return n === rule.value; }
    if (rule.op === ">") { return n > rule.value; }
    return n >= rule.value;
  }

  function apply() {
    var questions = form.querySelectorAll("fieldset[data-enable-when]");
    for (var i = 0; i < questions.length; i++) {
      var q = questions[i];
      var shown = evaluate(JSON.parse(q.getAttribute("data-enable-when"))) === true;
      q.hidden = !shown;
      var inputs = q.querySelectorAll("input, select");
      for (var k = 0; k < inputs.length; k++) { inputs[k].disabled = !shown; }
    }
  }

  form.addEventListener("change", apply);
  form.addEventListener("input", apply);
  apply();
})();
