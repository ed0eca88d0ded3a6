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
  if (error) document.getElementById("message").textContent = error.message;
  button.disabled = false;
});
