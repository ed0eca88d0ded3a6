/* The payment element, inside its iframe on Lynk's origin. It listens only to the parent origin it
 * was given and posts only to it. On "confirm" it creates the card PaymentMethod and confirms the
 * PaymentIntent through Lynk's API with the publishable key and the client secret. */
"use strict";
(function () {
  var body = document.body;
  var key = body.getAttribute("data-key");
  var clientSecret = body.getAttribute("data-client-secret");
  var paymentIntent = body.getAttribute("data-payment-intent");
  var parentOrigin = body.getAttribute("data-parent-origin");
  var form = document.getElementById("element-form");
  var progress = document.getElementById("progress");
  var busy = false;

  window.LynkCard.wire(form);

  function tell(message) { window.parent.postMessage(message, parentOrigin); }

  function resize() { tell({ type: "lynk:resize", height: document.documentElement.scrollHeight }); }

  function api(path, params, idempotencyKey) {
    var headers = { "Authorization": "Bearer " + key, "Content-Type": "application/x-www-form-urlencoded" };
    if (idempotencyKey) { headers["Idempotency-Key"] = idempotencyKey; }
    return fetch(path, { method: "POST", headers: headers, body: new URLSearchParams(params).toString() })
      .then(function (response) {
        return response.json().then(function (json) { return { ok: response.ok, json: json }; });
      });
  }

  var FIELD_OF_PARAM = { "card[number]": "number", "card[exp_month]": "expiration", "card[exp_year]": "expiration",
                         "card[cvc]": "cvc" };

  function fail(id, error) {
    busy = false;
    progress.textContent = "";
    window.LynkCard.showError(form, error.message, FIELD_OF_PARAM[error.param]);
    resize();
    tell({ type: "lynk:result", id: id, error: error });
  }

  function confirm(id, returnUrl) {
    if (busy) { return; }
    window.LynkCard.clearErrors(form);
    var problem = window.LynkCard.check(form);
    if (problem) {
      fail(id, { type: "validation_error", message: problem[0], param: { number: "card[number]",
        expiration: "card[exp_month]", cvc: "card[cvc]" }[problem[1]] });
      return;
    }
    busy = true;
    progress.textContent = "Processing your payment…";
    var card = window.LynkCard.values(form);
    var exp = window.LynkCard.parseExpiration(card.expiration);
    var attempt = window.LynkCard.attemptKey();
    api("/v1/payment_methods", {
      "type": "card", "card[number]": card.number, "card[exp_month]": exp.month, "card[exp_year]": exp.year,
      "card[cvc]": card.cvc
    }, attempt + ":pm").then(function (created) {
      if (!created.ok) { throw created.json.error; }
      var params = { "client_secret": clientSecret, "payment_method": created.json.id };
      if (returnUrl) { params.return_url = returnUrl; }
      return api("/v1/payment_intents/" + encodeURIComponent(paymentIntent) + "/confirm", params, attempt);
    }).then(function (confirmed) {
      if (!confirmed.ok) { throw confirmed.json.error; }
      busy = false;
      progress.textContent = "";
      tell({ type: "lynk:result", id: id, paymentIntent: confirmed.json });
    }).catch(function (error) {
      fail(id, error && error.message ? error : { type: "api_connection_error",
        message: "We could not reach the server. Check your connection and try again." });
    });
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== parentOrigin || event.source !== window.parent) { return; }
    var data = event.data || {};
    if (data.type === "lynk:confirm") { confirm(data.id, data.returnUrl); }
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  window.addEventListener("resize", resize);
  tell({ type: "lynk:ready" });
  resize();
})();
