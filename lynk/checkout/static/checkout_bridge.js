/* The hidden frame behind lynk.initCheckout (Checkout Elements), on Lynk's origin: it hands the merchant's page
 * the session (what getSession() shows) and the PaymentIntent client secret its payment element needs, and
 * runs updateEmail. Like the other frames it posts only to the origin it was set up for and listens only to
 * that origin's parent window (frame.js). */
"use strict";
(function () {
  var F = window.LynkFrame;
  var body = document.body;
  var error = body.getAttribute("data-error");

  if (error) {
    F.tell({ type: "lynk:checkout:loaded", error: { message: error, code: null } });
    return;
  }
  F.tell({ type: "lynk:checkout:loaded", session: JSON.parse(body.getAttribute("data-session")),
           paymentSecret: body.getAttribute("data-payment-secret") });

  function updateEmail(id, email) {
    fetch("/elements/checkout/email", {
      method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ client_secret: F.clientSecret, email: String(email || "") })
    }).then(function (response) { return response.json(); }).then(function (answer) {
      F.tell({ type: "lynk:checkout:answer", id: id, session: answer.session, error: answer.error });
    }, function () {
      F.tell({ type: "lynk:checkout:answer", id: id, error: { code: null,
        message: "We could not reach the server. Check your connection and try again." } });
    });
  }

  F.listen(function (data) {
    if (data.type === "lynk:checkout:email") { updateEmail(data.id, data.email); }
  });
})();
