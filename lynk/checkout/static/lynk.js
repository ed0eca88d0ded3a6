/* lynk.js: Lynk's payment element for a merchant's page.
 *
 *   var lynk = Lynk("pk_test_…");
 *   var elements = lynk.elements({ clientSecret: "pi_…_secret_…", appearance: { theme: "night",
 *                                  variables: { colorPrimary: "#0a7cff", fontFamily: "Georgia", borderRadius: "4px" } } });
 *   elements.create("linkAuthentication").on("change", function (e) { … e.value.email … }).mount("#email");
 *   elements.create("payment").mount("#payment-element");
 *   elements.create("expressCheckout").on("confirm", function (e) { … e.paymentIntent.status … }).mount("#express");
 *   lynk.confirmPayment({ elements: elements, confirmParams: { return_url: "https://shop.example/done" } });
 *   // or { …, redirect: "if_required" } → Promise of { paymentIntent } or { error }
 *
 *   // Embedded Checkout (a Checkout Session created with ui_mode=embedded):
 *   lynk.initEmbeddedCheckout({ fetchClientSecret: function () { return fetch(…).then(…secret…); } })
 *     .then(function (checkout) { checkout.mount("#checkout"); });
 *   // when paid, this page goes to the session's return_url (or onComplete() runs, redirect_on_completion=never)
 *
 *   // Checkout Elements (a Checkout Session created with ui_mode=custom, or elements in newer API versions):
 *   var checkout = lynk.initCheckout({ clientSecret: fetch(…).then(…secret…) });   // or initCheckoutElementsSdk
 *   checkout.on("change", function (session) { … session.canConfirm, session.total.total.amount … });
 *   checkout.createPaymentElement().mount("#payment-element");
 *   checkout.loadActions().then(function (result) { var actions = result.actions;
 *     actions.getSession(); actions.updateEmail("jenny@example.com"); actions.confirm(); });
 *   // (or the first form: lynk.initCheckout({ fetchClientSecret }) → Promise of checkout, with checkout.session(),
 *   //  checkout.updateEmail(), checkout.confirm()); a confirmed payment goes to the session's return_url
 *
 * The form lives in an iframe from Lynk's origin: card data never touches this page. Messages
 * go to that origin only, and only messages from that origin and that frame are read. */
(function () {
  "use strict";
  var script = document.currentScript;
  var LYNK_ORIGIN = new URL(script ? script.src : window.location.href).origin;
  var counter = 0;

  function Lynk(publishableKey) {
    if (!(this instanceof Lynk)) { return new Lynk(publishableKey); }
    if (typeof publishableKey !== "string" || !/^pk_(test|live)_/.test(publishableKey)) {
      throw new Error("Lynk(publishableKey): pass your publishable key (pk_test_… or pk_live_…).");
    }
    this._key = publishableKey;
  }

  function Elements(lynk, options) {
    var clientSecret = options.clientSecret;
    if (typeof clientSecret !== "string" || clientSecret.indexOf("_secret_") < 0) {
      throw new Error("lynk.elements({clientSecret}): pass the PaymentIntent's client_secret.");
    }
    setUp(this, lynk, clientSecret, options.appearance);
  }

  /* `clientSecret` may come later: a Checkout Session's (initCheckout) is known once its frame answers. */
  function setUp(elements, lynk, clientSecret, appearance) {
    elements._lynk = lynk;
    elements._clientSecret = clientSecret;
    elements._appearance = appearance ? JSON.stringify(appearance) : "";
    elements._element = null;  // the payment element, which confirmPayment confirms
    elements._auth = null;
    return elements;
  }

  Lynk.prototype.elements = function (options) {
    return new Elements(this, options || {});
  };

  /* element.on("ready" | "change" | "confirm", handler) */
  function on(name, handler) {
    (this._handlers[name] = this._handlers[name] || []).push(handler);
    return this;
  }

  function emit(element, name, event) {
    (element._handlers[name] || []).forEach(function (handler) { handler(event); });
  }

  function query(elements, extra) {
    var given = { key: elements._lynk._key, client_secret: elements._clientSecret, origin: window.location.origin };
    if (elements._appearance) { given.appearance = elements._appearance; }
    Object.keys(extra || {}).forEach(function (k) { given[k] = extra[k]; });
    return new URLSearchParams(given).toString();
  }

  var FRAMES = {
    payment: { path: "payment", title: "Secure payment input frame", height: 220 },
    linkAuthentication: { path: "link_authentication", title: "Secure email input frame", height: 90 }
  };

  /* The payment and linkAuthentication elements: an iframe from Lynk's origin. */
  function FrameElement(elements, type) {
    this._elements = elements;
    this._type = type;
    this._frame = null;
    this._pending = {};
    this._handlers = {};
    var self = this;
    this._ready = new Promise(function (resolve) { self._resolveReady = resolve; });
  }

  FrameElement.prototype.on = on;

  FrameElement.prototype.mount = function (target) {
    var host = typeof target === "string" ? document.querySelector(target) : target;
    if (!host) { throw new Error("element.mount: no element matches " + target); }
    var self = this;
    var spec = FRAMES[this._type];
    // With a linkAuthentication element on the page, the payment element takes the email from it.
    var extra = this._type === "payment" && this._elements._auth ? { linked: "1" } : {};
    var frame = document.createElement("iframe");
    frame.src = LYNK_ORIGIN + "/elements/" + spec.path + "?" + query(this._elements, extra);
    frame.title = spec.title;
    frame.setAttribute("allow", "payment");
    frame.style.cssText = "border:0;width:100%;min-height:" + spec.height + "px;display:block;background:transparent;";
    this._frame = frame;
    window.addEventListener("message", function (event) {
      if (event.origin !== LYNK_ORIGIN || event.source !== frame.contentWindow) { return; }
      var data = event.data || {};
      if (data.type === "lynk:ready") { self._resolveReady(); emit(self, "ready", { elementType: self._type }); }
      if (data.type === "lynk:resize" && data.height) { frame.style.height = data.height + "px"; }
      if (data.type === "lynk:result" && self._pending[data.id]) {
        self._pending[data.id](data);
        delete self._pending[data.id];
      }
      if (data.type === "lynk:change" && self._type === "linkAuthentication" && data.value) {
        var email = String(data.value.email || "");
        emit(self, "change", { elementType: "linkAuthentication", complete: email !== "", value: { email: email } });
        var payment = self._elements._element;
        if (payment && payment._frame) { payment._post({ type: "lynk:email", email: email }); }
      }
    });
    host.appendChild(frame);
    return this;
  };

  FrameElement.prototype._post = function (message) {
    var frame = this._frame;
    return this._ready.then(function () { frame.contentWindow.postMessage(message, LYNK_ORIGIN); });
  };

  FrameElement.prototype._confirm = function (returnUrl) {
    var self = this;
    var id = "c" + (++counter);
    return new Promise(function (resolve) {
      self._pending[id] = resolve;
      self._post({ type: "lynk:confirm", id: id, returnUrl: returnUrl });
    });
  };

  /* The express checkout: a "Pay with Lynk" button on this page that opens Link's steps in a popup on Lynk's
   * origin (first-party there); the popup pays and tells this page, which gets the `confirm` event. */
  function ExpressElement(elements) {
    this._elements = elements;
    this._handlers = {};
    this._button = null;
  }

  ExpressElement.prototype.on = on;

  ExpressElement.prototype.mount = function (target) {
    var host = typeof target === "string" ? document.querySelector(target) : target;
    if (!host) { throw new Error("element.mount: no element matches " + target); }
    var self = this;
    var popup = null;
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = "Pay with Lynk";
    button.style.cssText = "font:inherit;font-weight:600;width:100%;padding:.75rem 1rem;border:0;border-radius:8px;" +
      "background:#1a1f36;color:#fff;cursor:pointer;";
    button.addEventListener("click", function () {
      popup = window.open(LYNK_ORIGIN + "/elements/express?" + query(self._elements), "lynk-express",
                          "popup,width=480,height=720");
      if (popup) { popup.focus(); }
    });
    window.addEventListener("message", function (event) {
      if (event.origin !== LYNK_ORIGIN || !popup || event.source !== popup) { return; }
      var data = event.data || {};
      if (data.type === "lynk:express:confirm" && data.paymentIntent) {
        emit(self, "confirm", { elementType: "expressCheckout", paymentIntent: data.paymentIntent });
      }
    });
    host.appendChild(button);
    this._button = button;
    emit(this, "ready", { elementType: "expressCheckout" });
    return this;
  };

  Elements.prototype.create = function (type) {
    if (type === "payment" || type === "linkAuthentication") {
      var element = new FrameElement(this, type);
      if (type === "payment") { this._element = element; } else { this._auth = element; }
      return element;
    }
    if (type === "expressCheckout") { return new ExpressElement(this); }
    throw new Error("elements.create: the elements are 'payment', 'linkAuthentication' and 'expressCheckout'.");
  };

  function withQuery(url, params) {
    var target = new URL(url, window.location.href);
    Object.keys(params).forEach(function (k) { target.searchParams.set(k, params[k]); });
    return target.toString();
  }

  Lynk.prototype.confirmPayment = function (options) {
    options = options || {};
    var elements = options.elements;
    var returnUrl = (options.confirmParams || {}).return_url;
    var ifRequired = options.redirect === "if_required";
    if (!elements || !elements._element || !elements._element._frame) {
      return Promise.resolve({ error: { type: "validation_error", message: "Mount the payment element first." } });
    }
    if (!returnUrl && !ifRequired) {
      return Promise.resolve({ error: { type: "validation_error",
        message: "confirmParams.return_url is required unless redirect is 'if_required'." } });
    }
    return elements._element._confirm(returnUrl).then(function (result) {
      if (result.error) { return { error: result.error }; }
      var pi = result.paymentIntent;
      var next = pi.next_action && pi.next_action.redirect_to_url;
      if (pi.status === "requires_action" && next) {
        window.location.assign(next.url);
        return new Promise(function () {});
      }
      if (!ifRequired) {
        window.location.assign(withQuery(returnUrl, { payment_intent: pi.id,
          payment_intent_client_secret: pi.client_secret, redirect_status: pi.status === "succeeded" ? "succeeded" : "pending" }));
        return new Promise(function () {});
      }
      return { paymentIntent: pi };
    });
  };

  /* Embedded Checkout: Lynk's hosted checkout form in an iframe, opened with the session's client secret. */
  function EmbeddedCheckout(clientSecret, onComplete) {
    this._secret = clientSecret;
    this._onComplete = onComplete;
    this._frame = null;
    this._listener = null;
  }

  Lynk.prototype.initEmbeddedCheckout = function (options) {
    options = options || {};
    var given = options.fetchClientSecret ? Promise.resolve().then(options.fetchClientSecret) :
      Promise.resolve(options.clientSecret);
    return given.then(function (secret) {
      if (typeof secret !== "string" || !/^cs_(test|live)_[A-Za-z0-9]+_secret_/.test(secret)) {
        throw new Error("initEmbeddedCheckout: fetchClientSecret must give a Checkout Session's client_secret.");
      }
      return new EmbeddedCheckout(secret, options.onComplete);
    });
  };

  // Stripe.js's name for it with ui_mode=embedded_page (Stripe's newer API versions).
  Lynk.prototype.createEmbeddedCheckoutPage = function (options) { return this.initEmbeddedCheckout(options); };

  EmbeddedCheckout.prototype.mount = function (target) {
    var host = typeof target === "string" ? document.querySelector(target) : target;
    if (!host) { throw new Error("checkout.mount: no element matches " + target); }
    var self = this;
    var sessionId = this._secret.split("_secret_")[0];
    var query = new URLSearchParams({ client_secret: this._secret, origin: window.location.origin });
    var frame = document.createElement("iframe");
    frame.src = LYNK_ORIGIN + "/c/pay/" + encodeURIComponent(sessionId) + "?" + query.toString();
    frame.title = "Checkout";
    frame.setAttribute("allow", "payment");
    frame.style.cssText = "border:0;width:100%;min-height:640px;display:block;background:transparent;";
    this._listener = function (event) {
      if (event.origin !== LYNK_ORIGIN || event.source !== frame.contentWindow) { return; }
      var data = event.data || {};
      if (data.type === "lynk:resize" && data.height) { frame.style.height = data.height + "px"; }
      if (data.type === "lynk:checkout:redirect" && typeof data.url === "string") {
        var target = new URL(data.url);
        if (target.origin === LYNK_ORIGIN && /^\/c\/pay\//.test(target.pathname) && self._onComplete) {
          self._onComplete();  // redirect_on_completion=never: the merchant's page decides what comes next
          return;
        }
        if (target.protocol === "https:" || target.protocol === "http:") { window.location.assign(target.toString()); }
      }
    };
    window.addEventListener("message", this._listener);
    host.appendChild(frame);
    this._frame = frame;
    return this;
  };

  EmbeddedCheckout.prototype.unmount = function () {
    if (this._frame && this._frame.parentNode) { this._frame.parentNode.removeChild(this._frame); }
    if (this._listener) { window.removeEventListener("message", this._listener); }
    this._frame = null;
  };

  EmbeddedCheckout.prototype.destroy = EmbeddedCheckout.prototype.unmount;

  /* Checkout Elements: a Checkout Session of ui_mode=custom (elements) paid on this page. A hidden frame from
   * Lynk's origin holds the session's client secret (element_checkout.py); the payment element is the one
   * lynk.elements() mounts, for the session's PaymentIntent. */
  function Checkout(lynk, options) {
    var self = this;
    var given = options.fetchClientSecret ? Promise.resolve().then(options.fetchClientSecret) :
      Promise.resolve(options.clientSecret);
    this._handlers = {};
    this._pending = {};
    this._session = null;
    this._frame = null;
    this._elements = setUp(Object.create(Elements.prototype), lynk, null,
                           (options.elementsOptions || {}).appearance);
    this._loaded = given.then(function (secret) {
      if (typeof secret !== "string" || !/^cs_(test|live)_[A-Za-z0-9]+_secret_/.test(secret)) {
        throw { code: null, message: "initCheckout: pass the Checkout Session's client_secret." };
      }
      return self._open(lynk, secret);
    });
    this._loaded.catch(function () {});  // reported by loadActions() and the calls that wait for it
  }

  Checkout.prototype._open = function (lynk, secret) {
    var self = this;
    var query = new URLSearchParams({ key: lynk._key, client_secret: secret, origin: window.location.origin });
    var frame = document.createElement("iframe");
    frame.src = LYNK_ORIGIN + "/elements/checkout?" + query.toString();
    frame.title = "Lynk checkout session";
    frame.tabIndex = -1;
    frame.setAttribute("aria-hidden", "true");
    frame.style.cssText = "display:none;";
    this._frame = frame;
    return new Promise(function (resolve, reject) {
      window.addEventListener("message", function (event) {
        if (event.origin !== LYNK_ORIGIN || event.source !== frame.contentWindow) { return; }
        var data = event.data || {};
        if (data.type === "lynk:checkout:loaded") {
          if (data.error) { reject(data.error); return; }
          self._elements._clientSecret = data.paymentSecret;
          resolve(self);
          self._changed(data.session);
        }
        if (data.type === "lynk:checkout:answer" && self._pending[data.id]) {
          self._pending[data.id](data);
          delete self._pending[data.id];
        }
      });
      document.body.appendChild(frame);
    });
  };

  Checkout.prototype._changed = function (session) {
    this._session = session;
    (this._handlers.change || []).forEach(function (handler) { handler(session); });
  };

  Checkout.prototype._ask = function (message) {
    var self = this;
    var id = "k" + (++counter);
    message.id = id;
    return new Promise(function (resolve) {
      self._pending[id] = resolve;
      self._frame.contentWindow.postMessage(message, LYNK_ORIGIN);
    });
  };

  Checkout.prototype.on = function (name, handler) {
    (this._handlers[name] = this._handlers[name] || []).push(handler);
    if (name === "change" && this._session) { handler(this._session); }
    return this;
  };

  Checkout.prototype.session = function () { return this._session; };
  Checkout.prototype.getSession = Checkout.prototype.session;

  /* The payment element: mounted once the session's frame has answered (it needs the PaymentIntent). */
  Checkout.prototype.createPaymentElement = function () {
    var loaded = this._loaded;
    var element = new FrameElement(this._elements, "payment");
    var mount = element.mount;
    element.mount = function (target) {
      loaded.then(function () { mount.call(element, target); }, function () {});
      return element;
    };
    this._elements._element = element;
    return element;
  };

  Checkout.prototype.getPaymentElement = function () { return this._elements._element; };

  Checkout.prototype.updateEmail = function (email) {
    var self = this;
    return this._loaded.then(function () {
      return self._ask({ type: "lynk:checkout:email", email: email == null ? "" : String(email) });
    }).then(function (answer) {
      if (answer.error) { return { type: "error", error: answer.error }; }
      self._changed(answer.session);
      return { type: "success", session: answer.session };
    }, function (error) { return { type: "error", error: error }; });
  };

  function confirmError(error) {
    if (error.type === "card_error") {
      return { code: "paymentFailed", message: error.message, paymentFailed: { declineCode: error.decline_code || null } };
    }
    return { code: null, message: error.message };
  }

  /* Pays with the payment element, then goes to Lynk's `/c/pay/{id}/return` (after a 3-D Secure challenge if
   * the card asks), which completes the session and sends this page on to its return_url. */
  Checkout.prototype.confirm = function (args) {
    var self = this;
    args = args || {};
    return this._loaded.then(function () {
      return args.email ? self.updateEmail(args.email) : { type: "success" };
    }).then(function (emailed) {
      if (emailed.type === "error") { return emailed; }
      if (!self._session.email) {
        return { type: "error", error: { code: null, message: "Enter your email address (updateEmail) first." } };
      }
      var element = self._elements._element;
      if (!element || !element._frame) {
        return { type: "error", error: { code: null, message: "Mount the payment element first." } };
      }
      var back = LYNK_ORIGIN + "/c/pay/" + encodeURIComponent(self._session.id) + "/return";
      return element._confirm(back).then(function (result) {
        if (result.error) { return { type: "error", error: confirmError(result.error) }; }
        var pi = result.paymentIntent;
        var next = pi.next_action && pi.next_action.redirect_to_url;
        window.location.assign(pi.status === "requires_action" && next ? next.url : back);
        return new Promise(function () {});
      });
    }, function (error) { return { type: "error", error: error }; });
  };

  Checkout.prototype.loadActions = function () {
    var self = this;
    return this._loaded.then(function () {
      return { type: "success", actions: {
        getSession: function () { return self._session; },
        updateEmail: function (email) { return self.updateEmail(email); },
        confirm: function (args) { return self.confirm(args); }
      } };
    }, function (error) { return { type: "error", error: { code: null, message: error.message } }; });
  };

  /* Stripe.js's first Checkout Elements API took fetchClientSecret and gave a Promise of the checkout; the later
   * ones (initCheckout with clientSecret, then initCheckoutElementsSdk) give it at once, with loadActions(). */
  Lynk.prototype.initCheckout = function (options) {
    options = options || {};
    var checkout = new Checkout(this, options);
    return options.fetchClientSecret ? checkout._loaded.then(function () { return checkout; }) : checkout;
  };

  Lynk.prototype.initCheckoutElementsSdk = function (options) { return new Checkout(this, options || {}); };

  window.Lynk = Lynk;
})();
