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

  /* Link (when the session accepts it): the email lookup, code and saved-details steps, the opt-in. */
  var linkSteps = window.LynkLinkSteps && body.getAttribute("data-link") === "on" ?
    window.LynkLinkSteps({ sessionId: sessionId, csrf: csrf, form: form,
                          known: body.getAttribute("data-link-known") === "on" }) :
    { mode: function () { return "card"; }, payload: function () { return {}; }, failed: function () { return false; },
      stepUp: function () { return false; } };

  window.LynkCard.wire(form);

  /* Embedded in a merchant's page (lynk.js initEmbeddedCheckout): the merchant's page moves on,
   * told by a message to its origin only; the frame itself can't navigate the top window. */
  var parentOrigin = body.getAttribute("data-embedded") === "on" ? body.getAttribute("data-parent-origin") || null : null;
  function go(url) {
    if (parentOrigin && window.parent !== window) {
      window.parent.postMessage({ type: "lynk:checkout:redirect", url: new URL(url, window.location.href).toString() },
                                parentOrigin);
      return;
    }
    window.location.assign(url);
  }
  if (parentOrigin && window.parent !== window) {
    var report = function () {
      window.parent.postMessage({ type: "lynk:resize", height: document.documentElement.scrollHeight }, parentOrigin);
    };
    window.addEventListener("load", report);
    new ResizeObserver(report).observe(document.body);
  }

  /* An embedded page (framed by the merchant's site, without Lynk's cookies) also proves itself with the
   * session's client secret. */
  function headers(attempt) {
    var given = { "Content-Type": "application/json", "X-CSRF-Token": csrf, "Idempotency-Key": attempt };
    var secret = body.getAttribute("data-client-secret");
    if (secret) { given["X-Lynk-Client-Secret"] = secret; }
    return given;
  }

  /* POST the attempt; when no answer comes (network) or it is still in flight (409), ask again with the
   * same key: the server answers a repeat with the first answer, never a second payment. */
  function send(payload, attempt, triesLeft) {
    return fetch("/c/pay/" + encodeURIComponent(sessionId) + "/confirm", {
      method: "POST",
      credentials: "same-origin",
      headers: headers(attempt),
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

  function merge(target, extra) {
    Object.keys(extra).forEach(function (k) { target[k] = extra[k]; });
    return target;
  }

  /* The fields the merchant asked for (phone, addresses, terms), under their input names. */
  function asked(target) {
    Array.prototype.forEach.call(form.querySelectorAll("[data-extra]"), function (input) {
      target[input.name] = input.type === "checkbox" ? input.checked : input.value;
    });
    return target;
  }

  /* What to pay with: the chosen saved detail (Link), or the typed card (with the opt-in, if ticked). */
  function payload() {
    if (linkSteps.mode() === "wallet") { return asked(linkSteps.payload()); }
    var email = document.getElementById("email").value.trim();
    if (!/^[^\s@]+@[^\s@]+$/.test(email)) {
      window.LynkCard.showError(form, "Enter a valid email address.", "email");
      return null;
    }
    var problem = window.LynkCard.check(form);
    if (problem) { window.LynkCard.showError(form, problem[0], problem[1]); return null; }
    var extra = linkSteps.payload();
    if (extra.save_link && !/\d{6,}/.test(extra.phone.replace(/\D/g, ""))) {
      window.LynkCard.showError(form, "Enter your phone number to save your information.", "phone");
      return null;
    }
    var card = window.LynkCard.values(form);
    asked(extra);
    return merge({
      email: email,
      name: document.getElementById("card-name").value,
      number: card.number,
      expiration: card.expiration,
      cvc: card.cvc
    }, extra);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (busy) { return; }
    window.LynkCard.clearErrors(form);
    if (linkSteps.mode() === "code") { linkSteps.verify(); return; }
    var data = payload();
    if (!data) { return; }
    busy = true;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    var saving = body.getAttribute("data-mode") === "setup";
    progress.textContent = saving ? "Saving your card…" : "Processing your payment…";
    var attempt = window.LynkCard.attemptKey();  // one key per attempt: a resend of it pays at most once
    send(JSON.stringify(data), attempt, 3).then(function (response) {
      return response.json();
    }).then(function (result) {
      if (result.outcome === "succeeded" || result.outcome === "requires_action") {
        progress.textContent = result.outcome === "succeeded" ?
          (saving ? "Card saved. Redirecting…" : "Payment complete. Redirecting…") :
          "Your bank asks you to confirm this payment. Redirecting…";
        go(result.redirect);
        return;
      }
      done("");
      if (result.outcome === "step_up" && linkSteps.stepUp()) { return; }
      var message = result.message || "The payment could not be completed.";
      if (result.declined) {
        message += linkSteps.mode() === "wallet" ? " Choose another saved card or pay another way." : " Try another card.";
      }
      window.LynkCard.showError(form, message, result.param);
      if (!result.param && !linkSteps.failed()) { document.getElementById("card-number").focus(); }
    }).catch(function () {
      done("");
      window.LynkCard.showError(form, "We could not reach the server. Check your connection and try again.", null);
    });
  });
})();
