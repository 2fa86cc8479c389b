// The roster import's page while the worker imports: ask the server for the progress every two
// seconds (any web process answers from the database) and show the result once it is done.
// Without this script the page's "Check progress again" link does the same by hand.
(function () {
  "use strict";
  var box = document.querySelector("[data-progress-url]");
  if (!box || !window.fetch) {
    return;
  }
  var words = box.querySelector("[data-progress-words]");
  var bar = box.querySelector("progress");

  function later(seconds) {
    window.setTimeout(poll, seconds * 1000);
  }

  function show(progress) {
    if (progress.done) {
      window.location.reload();
      return;
    }
    if (words.textContent !== progress.words) {
      words.textContent = progress.words;
    }
    bar.value = progress.step_number;
    later(2);
  }

  function poll() {
    window
      .fetch(box.getAttribute("data-progress-url"), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(show)
      .catch(function () {
        later(10);
      });
  }

  later(2);
})();
