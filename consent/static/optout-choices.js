// Offer only the choices that fit the part of the tool picked (issue 15). Without script every
// choice shows, grouped by the part it answers, and the server refuses one that does not fit;
// with it, the groups that do not fit the part picked are hidden (and left out of the post).
(function () {
  "use strict";

  function follow(box) {
    var form = box.closest("form");
    var list = form && form.querySelector('select[name="' + box.dataset.choicesFor + '"]');
    if (!list) {
      return;
    }
    function update() {
      var picked = list.value;
      box.querySelectorAll(".choice-group").forEach(function (group) {
        var part = group.dataset.part;
        var fits = picked === "" || part === "" || part === picked;
        group.hidden = !fits;
        group.querySelectorAll("input").forEach(function (input) {
          input.disabled = !fits;
          if (!fits) {
            input.checked = false;
          }
        });
      });
    }
    list.addEventListener("change", update);
    update();
  }

  document.querySelectorAll("[data-choices-for]").forEach(follow);
})();
