// The merchant's few lines: mount Lynk's payment element, confirm on submit. Lynk sends the shopper
// back to /done with the PaymentIntent's id, where the server asks Lynk how it went.
const form = document.getElementById("payment-form");
const lynk = Lynk(form.dataset.pk);
const elements = lynk.elements({ clientSecret: form.dataset.clientSecret });
elements.create("payment").mount("#payment-element");
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const button = document.getElementById("submit");
  button.disabled = true;
  const { error } = await lynk.confirmPayment({ elements, confirmParams: { return_url: location.origin + "/done" } });
  // The element shows declines and form errors in its own frame; the page shows only the rest
  // (a network failure, an intent that cannot be paid), so the shopper never reads one twice.
  const shownByElement = error && (error.type === "card_error" || error.type === "validation_error");
  document.getElementById("message").textContent = error && !shownByElement ? error.message : "";
  button.disabled = false;
});
