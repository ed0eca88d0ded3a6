/* The payment element, inside its iframe on Lynk's origin (and the express checkout's popup, which is the
 * same page with its own Pay button). It listens only to the origin it was set up for and posts only to it.
 * On "confirm" it pays through Lynk's API with the publishable key and the client secret: with a typed card
 * (and the Link opt-in, `link_signup`), or with the chosen saved detail of the shopper's verified Link session
 * (`payment_method_data[type]=link`). It shows a failure itself and answers it to the page, which decides
 * what else to say (docs/checkout.md). */
"use strict";
(function () {
  var F = window.LynkFrame;
  var body = document.body;
  var express = F.kind === "express";
  var form = document.getElementById("element-form");
  var progress = document.getElementById("progress");
  var busy = false;
  F.applyAppearance();

  /* An opt-in that went to 3-D Secure: the account is born after the challenge, away from this frame, which
   * marked this browser first (`opting_in`, a partitioned cookie). When the shop mounts the element again for
   * the paid intent, the frame greets this browser if the account was born of that payment. */
  function greetAfterChallenge() { F.linkPost("enrolled", {}).then(function () {}, function () {}); }

  /* An intent already paid (the shopper came back after paying): say so, never offer to pay again. */
  if (body.getAttribute("data-paid") === "on") {
    var paid = { id: F.paymentIntent, status: body.getAttribute("data-status") };
    greetAfterChallenge();
    F.listen(function (data) {
      if (data.type !== "lynk:confirm") { return; }
      F.tell({ type: "lynk:result", id: data.id, paymentIntent: paid,
               error: { type: "invalid_request_error", code: "payment_intent_unexpected_state",
                        message: "This payment is already complete." } });
    });
    F.tell({ type: "lynk:ready" });
    F.resize();
    if (express) {  // back paid from 3-D Secure in the popup: the page hears it, and the popup closes
      F.tell({ type: "lynk:express:confirm", paymentIntent: paid });
      window.close();
    }
    return;
  }

  window.LynkCard.wire(form);
  var email = document.getElementById("email");
  var linked = body.getAttribute("data-linked") === "on";
  var steps = window.LynkLinkSteps && body.getAttribute("data-link") === "on" ?
    window.LynkLinkSteps({ form: form, post: F.linkPost, addresses: false, known: !linked }) :
    { mode: function () { return "card"; }, payload: function () { return {}; }, failed: function () { return false; } };

  var channel = steps.adopt ? F.channel() : null;
  if (channel) {  // a session verified in the linkAuthentication element shows its saved details here
    channel.onmessage = function (event) {
      var data = event.data || {};
      if (data.type === "verified") { steps.adopt(data.answer, data.secret); F.resize(); }
    };
    channel.postMessage({ type: "hello" });
  }
  if (express && new URLSearchParams(window.location.search).get("redirect_status") === "failed") {
    window.LynkCard.showError(form, "We couldn't verify your card. Try again or use another card.", null);
  }
  if (steps.lookup && !linked) {  // granted: look her up by Lynk's own cookie, unless a step already shows
    F.askStorageAccess(function () { if (steps.mode() === "card") { steps.lookup(""); } });
  }

  function api(path, params, idempotencyKey) {
    var headers = { "Authorization": "Bearer " + F.key, "Content-Type": "application/x-www-form-urlencoded" };
    if (idempotencyKey) { headers["Idempotency-Key"] = idempotencyKey; }
    return fetch(path, { method: "POST", headers: headers, body: new URLSearchParams(params).toString() })
      .then(function (response) {
        return response.json().then(function (json) { return { ok: response.ok, json: json }; });
      });
  }

  var FIELD_OF_PARAM = { "card[number]": "number", "card[exp_month]": "expiration", "card[exp_year]": "expiration",
                         "card[cvc]": "cvc", "link_signup[phone]": "phone", "link_signup[email]": "email" };

  function settle(id, result) {
    busy = false;
    progress.textContent = "";
    if (id !== null) { F.tell({ type: "lynk:result", id: id, error: result.error, paymentIntent: result.paymentIntent }); }
  }

  function fail(id, error) {
    var message = error.message;
    if (error.type === "card_error" && steps.mode() === "wallet") {
      message += " Choose another saved card or pay another way.";
    }
    window.LynkCard.showError(form, message, FIELD_OF_PARAM[error.param] || error.field);
    if (steps.mode() === "wallet") { steps.failed(); }
    F.resize();
    settle(id, { error: error });
  }

  function confirmParams(returnUrl) {
    var params = { "client_secret": F.clientSecret };
    if (returnUrl) { params.return_url = returnUrl; }
    return params;
  }

  function payWithLink(returnUrl, attempt) {
    var chosen = steps.payload().link;
    var params = confirmParams(returnUrl);
    params["payment_method_data[type]"] = "link";
    params["payment_method_data[link][consumer_session_client_secret]"] = chosen.secret;
    if (chosen.payment_detail) { params["payment_method_data[link][payment_detail]"] = chosen.payment_detail; }
    return api("/v1/payment_intents/" + encodeURIComponent(F.paymentIntent) + "/confirm", params, attempt);
  }

  function payWithCard(returnUrl, attempt, typed, signup) {
    var card = window.LynkCard.values(form);
    var exp = window.LynkCard.parseExpiration(card.expiration);
    var method = { "type": "card", "card[number]": card.number, "card[exp_month]": exp.month,
                   "card[exp_year]": exp.year, "card[cvc]": card.cvc };
    if (typed) { method["billing_details[email]"] = typed; }
    return api("/v1/payment_methods", method, attempt + ":pm").then(function (created) {
      if (!created.ok) { return created; }
      var params = confirmParams(returnUrl);
      params.payment_method = created.json.id;
      if (signup) {
        params["link_signup[email]"] = typed;
        params["link_signup[phone]"] = signup.phone;
        if (signup.country) { params["link_signup[country]"] = signup.country; }
      }
      return api("/v1/payment_intents/" + encodeURIComponent(F.paymentIntent) + "/confirm", params, attempt);
    });
  }

  /* What is wrong before anything is sent, as [message, field], or null. */
  function problem(typed, signup) {
    var mode = steps.mode();
    if (mode === "code") { return ["Enter the code we sent to confirm it's you, or choose Pay another way.", "code"]; }
    if (mode === "wallet") { return null; }
    var card = window.LynkCard.check(form);
    if (card) { return card; }
    if (signup && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(typed)) { return ["Enter your email to save your information.", "email"]; }
    if (signup && !/\d{6,}/.test(signup.phone.replace(/\D/g, ""))) {
      return ["Enter your phone number to save your information.", "phone"];
    }
    return null;
  }

  function confirm(id, returnUrl) {
    if (busy) { return; }
    window.LynkCard.clearErrors(form);
    var typed = email ? email.value.trim() : "";
    var extra = steps.payload();
    var signup = extra.save_link ? extra : null;
    var wrong = problem(typed, signup);
    if (wrong) {
      if (linked && wrong[1] === "email") { wrong[1] = null; }  // the email is the linkAuthentication element's
      fail(id, { type: "validation_error", message: wrong[0], field: wrong[1] });
      return;
    }
    busy = true;
    progress.textContent = "Processing your payment…";
    var attempt = window.LynkCard.attemptKey();
    var paying = steps.mode() === "wallet" ? payWithLink(returnUrl, attempt) : payWithCard(returnUrl, attempt, typed, signup);
    paying.then(function (confirmed) {
      if (!confirmed.ok) { throw confirmed.json.error; }
      var pi = confirmed.json;
      if (signup && pi.status === "requires_action") {
        return F.linkPost("opting_in", {}).then(function () { return pi; }, function () { return pi; });
      }
      if (signup && (pi.status === "succeeded" || pi.status === "requires_capture")) {
        return F.linkPost("enrolled", { email: typed }).then(function () { return pi; }, function () { return pi; });
      }
      return pi;
    }).then(function (pi) {
      if (express) { expressDone(pi); return; }
      settle(id, { paymentIntent: pi });
    }).catch(function (error) {
      fail(id, error && error.message ? error : { type: "api_connection_error",
        message: "We could not reach the server. Check your connection and try again." });
    });
  }

  /* The express popup finishes the payment itself: a challenge in this window (it comes back here, paid),
   * else the result to the page that opened it, and the window closes. */
  function expressDone(pi) {
    var next = pi.next_action && pi.next_action.redirect_to_url;
    if (pi.status === "requires_action" && next) { window.location.assign(next.url); return; }
    busy = false;
    progress.textContent = "Payment complete.";
    F.tell({ type: "lynk:express:confirm", paymentIntent: { id: pi.id, status: pi.status } });
    window.close();
  }

  F.listen(function (data) {
    if (data.type === "lynk:confirm" && !express) { confirm(data.id, data.returnUrl); }
    if (data.type === "lynk:email" && typeof data.email === "string" && email && steps.mode() === "card") {
      email.value = data.email.slice(0, 512);  // typed in the linkAuthentication element
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (steps.mode() === "code") { steps.verify(); return; }
    if (express) { confirm(null, window.location.href); }
  });
  window.addEventListener("resize", F.resize);
  F.tell({ type: "lynk:ready" });
  F.resize();
})();
