/* The linkAuthentication element, inside its iframe on Lynk's origin: the Email box that recognises a Link
 * shopper and runs the code step. It tells the page `lynk:change` with the typed email (nothing else), and
 * hands the verified session to the payment element's frame over Lynk's own channel, never to the page. */
"use strict";
(function () {
  var F = window.LynkFrame;
  var form = document.getElementById("element-form");
  var email = document.getElementById("email");
  var channel = window.LynkLinkSteps ? F.channel() : null;
  var verified = null;
  F.applyAppearance();

  function changed(value) { F.tell({ type: "lynk:change", value: { email: value } }); }

  var steps = window.LynkLinkSteps ? window.LynkLinkSteps({
    form: form, post: F.linkPost, wallet: false, known: true, onEmail: changed,
    onVerified: function (answer, secret) {
      verified = { type: "verified", answer: answer, secret: secret };
      if (answer.email) { changed(answer.email); }  // recognised by Lynk's cookie, she typed nothing
      if (channel) { channel.postMessage(verified); }
    }
  }) : null;
  if (channel) {
    channel.onmessage = function (event) {  // a payment element mounted later asks what is known
      if ((event.data || {}).type === "hello" && verified) { channel.postMessage(verified); }
    };
  }
  if (!steps) { email.addEventListener("change", function () { changed(email.value.trim()); }); }
  F.askStorageAccess(function () { if (steps && steps.mode() === "card") { steps.lookup(""); } });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (steps && steps.mode() === "code") { steps.verify(); }
  });
  window.addEventListener("resize", F.resize);
  F.tell({ type: "lynk:ready" });
  F.resize();
})();
