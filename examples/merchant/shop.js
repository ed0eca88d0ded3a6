// The merchant's few lines: mount Lynk's payment element, confirm on submit.
const lynk = Lynk(document.body.dataset.pk);
const elements = lynk.elements({ clientSecret: document.body.dataset.clientSecret });
elements.create("payment").mount("#payment-element");
document.getElementById("payment-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const { error } = await lynk.confirmPayment({ elements, confirmParams: { return_url: location.origin + "/done" } });
  if (error) document.getElementById("message").textContent = error.message;
});
