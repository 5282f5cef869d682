// Folds the filter form just before this script on a screen narrower than GOV.UK's tablet
// breakpoint (641 px), where it would push the list it filters off the first screen
// (templates/macros/filters.html says when a page asks for it). Loaded in place and not
// deferred, so the form is closed before the page is first painted and nothing moves.
(function () {
  var details = document.currentScript && document.currentScript.previousElementSibling;
  if (details && details.tagName === "DETAILS" && !window.matchMedia("(min-width: 40.0625em)").matches) {
    details.open = false;
  }
})();
