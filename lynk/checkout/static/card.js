/* The card form's helpers, shared by the hosted checkout page and the payment element. */
"use strict";
window.LynkCard = (function () {
  var FIELDS = { number: "card-number", expiration: "card-expiration", cvc: "card-cvc", email: "email",
                 phone: "link-phone", code: "link-code" };

  function formatNumber(input) {
    var digits = input.value.replace(/\D/g, "").slice(0, 19);
    input.value = digits.replace(/(\d{4})(?=\d)/g, "$1 ");
  }

  function formatExpiration(input, event) {
    var digits = input.value.replace(/\D/g, "").slice(0, 4);
    if (event && event.inputType === "deleteContentBackward") { return; }
    input.value = digits.length > 2 ? digits.slice(0, 2) + " / " + digits.slice(2) : digits;
  }

  function wire(form) {
    var number = form.querySelector("#card-number");
    var exp = form.querySelector("#card-expiration");
    var cvc = form.querySelector("#card-cvc");
    number.addEventListener("input", function () { formatNumber(number); });
    exp.addEventListener("input", function (e) { formatExpiration(exp, e); });
    cvc.addEventListener("input", function () { cvc.value = cvc.value.replace(/\D/g, "").slice(0, 4); });
  }

  function values(form) {
    return {
      number: form.querySelector("#card-number").value.replace(/\s/g, ""),
      expiration: form.querySelector("#card-expiration").value,
      cvc: form.querySelector("#card-cvc").value
    };
  }

  function parseExpiration(text) {
    var m = /^\s*(\d{1,2})\s*\/?\s*(\d{2}|\d{4})\s*$/.exec(text);
    if (!m) { return null; }
    var year = parseInt(m[2], 10);
    return { month: parseInt(m[1], 10), year: year < 100 ? 2000 + year : year };
  }

  function clearErrors(form) {
    form.querySelectorAll(".field-error").forEach(function (p) { p.hidden = true; p.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach(function (i) { i.removeAttribute("aria-invalid"); });
    var general = form.querySelector("#form-error");
    general.hidden = true;
    general.textContent = "";
  }

  /* Show `message` beside its field (focused), or above the button when it belongs to none. */
  function showError(form, message, field) {
    var id = FIELDS[field];
    var input = id ? form.querySelector("#" + id) : null;
    if (input) {
      var p = form.querySelector("#" + id + "-error");
      p.textContent = message;
      p.hidden = false;
      input.setAttribute("aria-invalid", "true");
      input.focus();
      return;
    }
    var general = form.querySelector("#form-error");
    general.textContent = message;
    general.hidden = false;
  }

  /* Client-side checks before anything is sent: which field is missing what. */
  function check(form) {
    var v = values(form);
    if (v.number.length < 12) { return ["Your card number is incomplete.", "number"]; }
    var expiry = parseExpiration(v.expiration);
    if (!expiry) { return ["Your card's expiration date is incomplete.", "expiration"]; }
    if (expiry.month < 1 || expiry.month > 12) { return ["Your card's expiration month is invalid.", "expiration"]; }
    var now = new Date();  // a card is good through the last day of its expiry month
    if (expiry.year < now.getFullYear() || (expiry.year === now.getFullYear() && expiry.month < now.getMonth() + 1)) {
      return ["Your card's expiration date is in the past.", "expiration"];
    }
    if (v.cvc.length < 3) { return ["Your card's security code is incomplete.", "cvc"]; }
    return null;
  }

  function attemptKey() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }

  return { wire: wire, values: values, parseExpiration: parseExpiration, clearErrors: clearErrors,
           showError: showError, check: check, attemptKey: attemptKey };
})();
