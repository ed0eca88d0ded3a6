/* Link's steps, on the hosted page and in the elements: look the shopper up by email (or by the cookie
 * of a previous Link checkout), the verification code step, the saved details step, and the new
 * shopper's opt-in. The hosted page's calls go to its own /c/pay/{id}/link/… endpoints with the CSRF
 * header; an element passes `options.post` (its /elements/link/… calls). The consumer session's secret
 * stays in this closure, never in a URL or in storage. checkout.js and element.js ask `mode()` which
 * form is showing and `payload()` what to pay with.
 * Element options: `wallet: false` (the linkAuthentication element: no saved details shown),
 * `addresses: false` (no shipping choice), `onVerified(answer, secret)`, `onEmail(email)`. */
"use strict";
window.LynkLinkSteps = function (options) {
  var sessionId = options.sessionId;
  var csrf = options.csrf;
  var form = options.form;
  var byId = function (id) { return document.getElementById(id); };
  var email = byId("email");
  var status = byId("link-status");
  var codeStep = byId("link-code-step");
  var walletStep = byId("link-wallet-step");
  var code = byId("link-code");
  var codeError = byId("link-code-error");
  var cardFields = byId("card-fields");
  var optIn = byId("link-opt-in");
  var save = byId("link-save");
  var saveFields = byId("link-save-fields");
  var payButton = byId("pay");
  var emailField = email.closest(".field");
  var state = { mode: "card", secret: null, looked: null, busy: false, declined: false, verified: false,
                stepUp: null };
  var post = options.post || hostedPost;

  function hostedPost(step, data) {
    return fetch("/c/pay/" + encodeURIComponent(sessionId) + "/link/" + step, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(data)
    }).then(function (response) { return response.json(); });
  }

  function show(mode) {
    state.mode = mode;
    codeStep.hidden = mode !== "code";
    walletStep.hidden = mode !== "wallet";
    if (cardFields) { cardFields.hidden = mode !== "card"; }
    /* The code and saved-details steps name the recognised shopper (masked) instead of an Email box:
     * a box typed into there would start another lookup while she verifies. */
    emailField.hidden = mode !== "card";
    if (optIn) { optIn.hidden = mode !== "card" || state.looked === "found"; }
    if (payButton) { payButton.hidden = mode === "code"; }
    if (byId("pay-title")) { byId("pay-title").textContent = mode === "card" ? "Pay with card" : "Pay with Lynk"; }
  }

  function codeProblem(message) {
    codeError.textContent = message;
    codeError.hidden = !message;
    if (message) { code.setAttribute("aria-invalid", "true"); } else { code.removeAttribute("aria-invalid"); }
  }

  function retryText(seconds) {
    if (!seconds) { return ""; }
    var minutes = Math.max(1, Math.ceil(seconds / 60));
    var at = new Date(Date.now() + seconds * 1000);
    return " You can try again at " + at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) +
      " (in " + minutes + " minute" + (minutes === 1 ? "" : "s") + ").";
  }

  function choice(group, value, text, checked) {
    var id = group + "-" + value;
    var row = document.createElement("div");
    row.className = "choice";
    var input = document.createElement("input");
    input.type = "radio";
    input.name = group;
    input.id = id;
    input.value = value;
    input.checked = checked;
    var label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = text;
    row.appendChild(input);
    row.appendChild(label);
    return row;
  }

  function brandName(brand) {
    var names = { visa: "Visa", mastercard: "Mastercard", amex: "American Express", discover: "Discover" };
    return names[brand] || (brand ? brand.charAt(0).toUpperCase() + brand.slice(1) : "Card");
  }

  function showWallet(answer, quiet) {
    state.verified = true;
    if (options.onVerified) { options.onVerified(answer, state.secret); }
    if (options.wallet === false) {  // the linkAuthentication element: the payment element shows the details
      status.textContent = "Signed in to Lynk as " + (answer.redacted_email || "you") + ".";
      show("verified");
      return;
    }
    var list = byId("link-details");
    var addresses = byId("link-addresses");
    list.textContent = "";
    addresses.textContent = "";
    var details = answer.wallet.payment_details;
    var hasDefault = details.some(function (d) { return d.is_default; });
    details.forEach(function (d, index) {
      var card = d.card || {};
      var text = brandName(card.brand) + " ending in " + card.last4 + ", expires " +
        String(card.exp_month).padStart(2, "0") + "/" + String(card.exp_year).slice(-2) +
        (d.is_default ? " (default)" : "");
      list.appendChild(choice("link-detail", d.id, text, d.is_default || (!hasDefault && index === 0)));
    });
    var shipping = answer.wallet.shipping_addresses;
    byId("link-addresses-set").hidden = shipping.length === 0 || options.addresses === false;
    shipping.forEach(function (a, index) {
      var addr = a.address || {};
      var parts = [a.name, addr.line1, addr.city, addr.postal_code, addr.country].filter(Boolean);
      addresses.appendChild(choice("link-address", a.id, parts.join(", "), a.is_default || index === 0));
    });
    byId("link-who").textContent = "Signed in to Lynk as " + (answer.redacted_email || "you") + ".";
    status.textContent = "";
    show("wallet");
    if (details.length === 0) {
      status.textContent = "You have no saved card yet: pay with a card instead.";
      show("card");
      return;
    }
    if (quiet) { return; }
    if (payButton) { payButton.focus(); } else { list.querySelector("input:checked").focus(); }
  }

  function showCode(answer) {
    state.secret = answer.secret;
    byId("link-code-to").textContent = answer.redacted_phone || answer.redacted_email || "you";
    code.value = "";
    codeProblem(answer.code_sent === false ? (answer.message || "") + retryText(answer.retry_after) : "");
    status.textContent = "We recognised you" + (answer.redacted_email ? " as " + answer.redacted_email : "") +
      ": you have saved details with Lynk.";
    show("code");
    code.focus();
  }

  function found(answer) {
    /* A verified session is never replaced by a later lookup's unverified one (that would show the
     * saved card with Pay refused); "Not you?" is the way out of it. */
    if (state.verified && !answer.verified) { return; }
    state.looked = answer.exists ? "found" : "new";
    if (!answer.exists) { show("card"); return; }
    state.secret = answer.secret;
    if (answer.verified) { showWallet(answer); } else { showCode(answer); }
  }

  /* Lookups run one after another; only the answer to the latest one shows (a typed email overrides
   * the recognition on load). */
  var lookups = Promise.resolve();
  var lookupCount = 0;
  function lookup(typed) {
    var mine = ++lookupCount;
    lookups = lookups.then(function () {
      if (mine !== lookupCount) { return null; }
      return post("lookup", { email: typed }).then(function (answer) {
        if (mine !== lookupCount) { return; }
        if (answer.outcome === "found" || answer.outcome === "not_found") { found(answer); }
      });
    }).catch(function () {});
  }

  function verify() {
    var digits = code.value.replace(/\D/g, "");
    if (digits.length !== 6) { codeProblem("Enter the 6-digit code."); code.focus(); return; }
    if (state.busy) { return; }
    state.busy = true;
    codeProblem("");
    status.textContent = "Checking your code…";
    post("verify", { secret: state.secret, code: digits, remember: byId("link-remember").checked })
      .then(function (answer) {
        state.busy = false;
        if (answer.outcome === "verified") { showWallet(answer); afterStepUp(); return; }
        status.textContent = "";
        codeProblem((answer.message || "That code did not work.") + retryText(answer.retry_after));
        code.select();
        code.focus();
      }, function () {
        state.busy = false;
        status.textContent = "";
        codeProblem("We could not reach the server. Check your connection and try again.");
      });
  }

  function resend() {
    if (state.busy) { return; }
    state.busy = true;
    codeProblem("");
    post("resend", { secret: state.secret }).then(function (answer) {
      state.busy = false;
      if (answer.outcome === "sent") {
        status.textContent = "A new code is on its way to " + (answer.redacted_phone || answer.redacted_email) + ".";
        code.value = "";
        code.focus();
      } else {
        codeProblem((answer.message || "We could not send a new code.") + retryText(answer.retry_after));
      }
    }, function () { state.busy = false; });
  }

  function checked(group) {
    var input = form.querySelector("input[name=" + group + "]:checked");
    return input ? input.value : null;
  }

  /* The payment was refused until the shopper confirms a new code (a new device on a new network, paying
   * to a new address): send one, show the code step, and once it is confirmed pay again with her choices. */
  function stepUp() {
    if (state.mode !== "wallet" || state.busy) { return false; }
    state.stepUp = { detail: checked("link-detail"), address: checked("link-address") };
    state.busy = true;
    post("resend", { secret: state.secret }).then(function (answer) {
      state.busy = false;
      var to = answer.redacted_phone || answer.redacted_email || "you";
      byId("link-code-to").textContent = to;
      code.value = "";
      codeProblem(answer.outcome === "sent" ? "" :
        (answer.message || "We could not send a new code.") + retryText(answer.retry_after));
      show("code");
      status.textContent = "For your security, confirm it's you again: we sent a new code to " + to + ".";
      code.focus();
    }, function () {
      state.busy = false;
      status.textContent = "We could not reach the server. Check your connection and try again.";
    });
    return true;
  }

  function afterStepUp() {
    var chosen = state.stepUp;
    state.stepUp = null;
    if (!chosen) { return; }
    [["link-detail", chosen.detail], ["link-address", chosen.address]].forEach(function (pair) {
      var input = pair[1] && byId(pair[0] + "-" + pair[1]);
      if (input) { input.checked = true; }
    });
    status.textContent = "Thank you. Processing your payment…";
    form.requestSubmit();
  }

  function payAnotherWay() {
    status.textContent = "";
    show("card");
    (byId("card-number") || email).focus();
  }

  function notYou() {
    var secret = state.secret;
    state.secret = null;
    state.looked = null;
    state.verified = false;
    post("forget", { secret: secret }).then(function () {}, function () {});
    status.textContent = "";
    show("card");
    if (!email.readOnly) { email.value = ""; }
    email.focus();
  }

  var lastLooked = null;
  function maybeLookup() {
    if (state.mode !== "card") { return; }
    var typed = email.value.trim();
    if (typed === lastLooked || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(typed)) { return; }
    lastLooked = typed;
    if (options.onEmail) { options.onEmail(typed); }
    lookup(typed);
  }

  email.addEventListener("change", maybeLookup);
  email.addEventListener("blur", maybeLookup);
  code.addEventListener("input", function () {
    code.value = code.value.replace(/\D/g, "").slice(0, 6);
    if (code.value.length === 6) { verify(); }
  });
  byId("link-resend").addEventListener("click", resend);
  byId("link-not-you").addEventListener("click", notYou);
  document.querySelectorAll("[data-link-other]").forEach(function (b) { b.addEventListener("click", payAnotherWay); });
  if (save) { save.addEventListener("change", function () {
    saveFields.hidden = !save.checked;
    save.setAttribute("aria-expanded", save.checked ? "true" : "false");
    if (save.checked) { byId("link-phone").focus(); }
  }); }

  // A returning browser (the cookie of an earlier Link checkout) or a prefilled email: look up at once.
  if (email.value.trim()) { maybeLookup(); } else if (options.known) { lookup(""); }

  return {
    mode: function () { return state.mode; },
    verify: verify,
    lookup: lookup,
    /* A session verified in another of Lynk's frames on this page (the linkAuthentication element). */
    adopt: function (answer, secret) {
      if (state.verified) { return; }
      state.secret = secret;
      state.looked = "found";
      showWallet(answer, true);
    },
    stepUp: stepUp,
    /* The fields checkout.js sends to /confirm for the showing form. */
    payload: function () {
      if (state.mode === "wallet") {
        var detail = form.querySelector("input[name=link-detail]:checked");
        var address = form.querySelector("input[name=link-address]:checked");
        return { link: { secret: state.secret, payment_detail: detail ? detail.value : "",
                         shipping_address: address ? address.value : "" } };
      }
      if (save && save.checked && !optIn.hidden) {
        return { save_link: true, phone: byId("link-phone").value, country: byId("link-country").value };
      }
      return {};
    },
    /* A Link payment failed (declined): the shopper may pick another saved card or pay another way. */
    failed: function () {
      if (state.mode === "wallet") {
        var detail = form.querySelector("input[name=link-detail]:checked");
        if (detail) { detail.focus(); }
        return true;
      }
      return false;
    }
  };
};
