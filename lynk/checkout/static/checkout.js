/* The hosted checkout page: validate, pay through the page's own endpoint, follow where it leads.
 * One attempt at a time: the button is disabled while a payment is in flight, and the server
 * locks the session, so a double click never pays twice. */
"use strict";
(function () {
  var body = document.body;
  var sessionId = body.getAttribute("data-session");
  var csrf = body.getAttribute("data-csrf");
  var form = document.getElementById("checkout-form");
  var button = document.getElementById("pay");
  var progress = document.getElementById("progress");
  var busy = false;

  /* Link: the email lookup, code and saved-details steps will hook in here (see checkout.html). */
  var linkSteps = { beforeCard: function () { return Promise.resolve(); } };

  window.LynkCard.wire(form);

  /* POST the attempt; when no answer comes (network) or it is still in flight (409), ask again with the
   * same key: the server answers a repeat with the first answer, never a second payment. */
  function send(payload, attempt, triesLeft) {
    return fetch("/c/pay/" + encodeURIComponent(sessionId) + "/confirm", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "Idempotency-Key": attempt },
      body: payload
    }).then(function (response) {
      if (response.status === 409 && triesLeft > 1) { return later(payload, attempt, triesLeft); }
      return response;
    }, function (failure) {
      if (triesLeft > 1) { return later(payload, attempt, triesLeft); }
      throw failure;
    });
  }

  function later(payload, attempt, triesLeft) {
    return new Promise(function (resolve) { setTimeout(resolve, 1000); }).then(function () {
      return send(payload, attempt, triesLeft - 1);
    });
  }

  function done(message) {
    busy = false;
    button.disabled = false;
    button.removeAttribute("aria-busy");
    progress.textContent = message || "";
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (busy) { return; }
    window.LynkCard.clearErrors(form);
    var email = document.getElementById("email").value.trim();
    if (!/^[^\s@]+@[^\s@]+$/.test(email)) {
      window.LynkCard.showError(form, "Enter a valid email address.", "email");
      return;
    }
    var problem = window.LynkCard.check(form);
    if (problem) { window.LynkCard.showError(form, problem[0], problem[1]); return; }
    busy = true;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    progress.textContent = "Processing your payment…";
    var card = window.LynkCard.values(form);
    var payload = JSON.stringify({
      email: email,
      name: document.getElementById("card-name").value,
      number: card.number,
      expiration: card.expiration,
      cvc: card.cvc
    });
    var attempt = window.LynkCard.attemptKey();  // one key per attempt: a resend of it pays at most once
    linkSteps.beforeCard().then(function () {
      return send(payload, attempt, 3);
    }).then(function (response) {
      return response.json();
    }).then(function (result) {
      if (result.outcome === "succeeded" || result.outcome === "requires_action") {
        progress.textContent = result.outcome === "succeeded" ? "Payment complete. Redirecting…" :
          "Your bank asks you to confirm this payment. Redirecting…";
        window.location.assign(result.redirect);
        return;
      }
      done("");
      var message = result.message || "The payment could not be completed.";
      if (result.declined) { message += " Try another card."; }
      window.LynkCard.showError(form, message, result.param);
      if (!result.param) { document.getElementById("card-number").focus(); }
    }).catch(function () {
      done("");
      window.LynkCard.showError(form, "We could not reach the server. Check your connection and try again.", null);
    });
  });
})();
