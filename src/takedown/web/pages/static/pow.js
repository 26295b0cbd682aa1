// The report form's optional proof of work (report_pow_bits): fetch a challenge and find a
// solution with SHA-256 before the report is sent. Without JavaScript the report is still
// taken; a bare claim is then queued for a person instead of hiding content by itself.
(function () {
  "use strict";
  var field = document.getElementById("f-pow");
  if (!field || !window.crypto || !window.crypto.subtle || !window.fetch) return;
  var encoder = new TextEncoder();

  function zeroBits(buffer) {
    var bytes = new Uint8Array(buffer), bits = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) { bits += 8; continue; }
      return bits + Math.clz32(bytes[i]) - 24;
    }
    return bits;
  }

  async function solve(challenge, bits) {
    for (var n = 0; n < 1 << 26; n++) {
      var digest = await crypto.subtle.digest("SHA-256", encoder.encode(challenge + ":" + n));
      if (zeroBits(digest) >= bits) return String(n);
    }
    return "";
  }

  fetch("/v1/reports/challenge", { credentials: "omit" })
    .then(function (r) { return r.json(); })
    .then(function (c) {
      return solve(c.challenge, c.bits).then(function (s) {
        if (s) field.value = c.challenge + ":" + s;
      });
    })
    .catch(function () { /* the report is still taken without it */ });
})();
