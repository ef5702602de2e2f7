/* Buttons marked data-print print the page (the ledger's A4 copy). */
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
