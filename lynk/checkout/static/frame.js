/* What Lynk's element pages share (the payment and linkAuthentication frames, the express popup): their
 * setup from the page's data attributes, the merchant's appearance as CSS variables, messages to the one
 * origin the page was set up for (and only from it), and the Link steps' calls to /elements/link/…. */
"use strict";
window.LynkFrame = (function () {
  var body = document.body;
  var kind = body.getAttribute("data-kind");
  var clientSecret = body.getAttribute("data-client-secret");
  var paymentIntent = body.getAttribute("data-payment-intent");
  var parentOrigin = body.getAttribute("data-parent-origin");
  // The express popup talks to the page that opened it; a frame to the page that framed it.
  var peer = kind === "express" ? window.opener : window.parent;
  var VARIABLES = { colorprimary: "--lynk-primary", colorbackground: "--lynk-background", colortext: "--lynk-text",
                    fontfamily: "--lynk-font", borderradius: "--lynk-radius" };

  function applyAppearance() {
    body.classList.add("theme-" + (body.getAttribute("data-theme") || "stripe"));
    Array.prototype.forEach.call(body.attributes, function (attr) {
      var name = VARIABLES[attr.name.replace(/^data-appearance-/, "")];
      if (name && attr.name.indexOf("data-appearance-") === 0) { document.documentElement.style.setProperty(name, attr.value); }
    });
  }

  function tell(message) { if (peer && peer !== window) { peer.postMessage(message, parentOrigin); } }

  function listen(handler) {
    window.addEventListener("message", function (event) {
      if (event.origin !== parentOrigin || !peer || event.source !== peer) { return; }
      handler(event.data || {});
    });
  }

  /* The content's own height (the document's scrollHeight never drops below the frame's), so the frame also
   * shrinks when a step closes. */
  function resize() { tell({ type: "lynk:resize", height: Math.ceil(body.getBoundingClientRect().height) + 2 }); }

  function linkPost(step, data) {
    var given = { client_secret: clientSecret };
    Object.keys(data).forEach(function (k) { given[k] = data[k]; });
    return fetch("/elements/link/" + step, {
      method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(given)
    }).then(function (response) { return response.json(); });
  }

  /* Lynk's frames of one PaymentIntent on one page share a verified Link session: a channel of Lynk's origin
   * (partitioned by the page's site like its cookies), which the merchant's page cannot join. */
  function channel() { return window.BroadcastChannel ? new BroadcastChannel("lynk-link:" + paymentIntent) : null; }

  /* Where third-party cookies are blocked, a frame may still ask for its unpartitioned cookies (Storage Access
   * API) on the shopper's first click; when granted, it looks her up again by Lynk's cookie. */
  function askStorageAccess(then) {
    if (!document.hasStorageAccess || !document.requestStorageAccess || window.parent === window) { return; }
    document.hasStorageAccess().then(function (has) {
      if (has) { return; }
      document.addEventListener("click", function () {
        document.requestStorageAccess().then(then, function () {});
      }, { once: true });
    }, function () {});
  }

  if (window.ResizeObserver) { new ResizeObserver(resize).observe(body); }
  return { kind: kind, key: body.getAttribute("data-key"), clientSecret: clientSecret, paymentIntent: paymentIntent,
           applyAppearance: applyAppearance, tell: tell, listen: listen, resize: resize, linkPost: linkPost,
           channel: channel, askStorageAccess: askStorageAccess };
})();
