// Console times in the reviewer's own time zone. The server writes UTC into each
// <time datetime="..."> (readable without JavaScript); this rewrites the text in local time.
(function () {
  "use strict";
  var format = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", timeZoneName: "short"
  });
  function localise(root) {
    var nodes = root.querySelectorAll("time[datetime]");
    for (var i = 0; i < nodes.length; i++) {
      var when = new Date(nodes[i].getAttribute("datetime"));
      if (isNaN(when.getTime())) { continue; }
      nodes[i].title = nodes[i].textContent;  // the UTC text stays on hover
      nodes[i].textContent = format.format(when);
      nodes[i].setAttribute("data-local", "1");
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { localise(document); });
  } else {
    localise(document);
  }
})();
