/* Aktenwerk UI: progressive enhancement only — every form also works without JavaScript. */
(function () {
  "use strict";

  /* Submitting the language <select> at once; the button stays for keyboard and no-JS users. */
  function initLanguageSwitch() {
    var select = document.getElementById("lang-select");
    if (select) select.addEventListener("change", function () { select.form.submit(); });
  }

  /* Forms with data-confirm ask before a destructive action. */
  function initConfirm() {
    document.addEventListener("submit", function (ev) {
      var msg = ev.target.getAttribute && ev.target.getAttribute("data-confirm");
      if (msg && !window.confirm(msg)) ev.preventDefault();
    });
  }

  /* Drag-and-drop upload of several files, each with its own progress bar (XHR upload events). */
  function initUpload() {
    var form = document.getElementById("upload-form");
    if (!form) return;
    var zone = document.getElementById("dropzone");
    var input = document.getElementById("f-files");
    var list = document.getElementById("upload-list");
    var status = document.getElementById("upload-status");
    var csrf = form.querySelector("input[name=csrf_token]").value;

    function sendOne(file) {
      var li = document.createElement("li");
      var name = document.createElement("span");
      name.textContent = file.name;
      var bar = document.createElement("progress");
      bar.max = 100; bar.value = 0;
      bar.setAttribute("aria-label", file.name);
      var result = document.createElement("span");
      li.appendChild(name); li.appendChild(bar); li.appendChild(result);
      list.appendChild(li);
      return new Promise(function (resolve) {
        var data = new FormData(form);
        data.delete("files");
        data.append("files", file, file.name);
        var xhr = new XMLHttpRequest();
        xhr.open("POST", form.action);
        xhr.setRequestHeader("X-CSRF-Token", csrf);
        xhr.setRequestHeader("Accept", "application/json");
        xhr.upload.addEventListener("progress", function (e) {
          if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
        });
        xhr.addEventListener("load", function () {
          bar.value = 100;
          var body = {};
          try { body = JSON.parse(xhr.responseText); } catch (e) { body = {}; }
          var item = (body.results || [])[0] || {};
          if (xhr.status < 300 && item.id) {
            var a = document.createElement("a");
            a.href = "/documents/" + encodeURIComponent(item.id);
            a.textContent = form.getAttribute("data-done");
            result.appendChild(a);
          } else {
            result.textContent = item.error || body.error || form.getAttribute("data-failed");
            result.className = "error-text";
          }
          resolve();
        });
        xhr.addEventListener("error", function () {
          result.textContent = form.getAttribute("data-failed");
          result.className = "error-text";
          resolve();
        });
        xhr.send(data);
      });
    }

    function sendAll(files) {
      var chain = Promise.resolve();
      Array.prototype.forEach.call(files, function (f) { chain = chain.then(function () { return sendOne(f); }); });
      chain.then(function () { status.textContent = form.getAttribute("data-all-done"); });
    }

    form.addEventListener("submit", function (ev) {
      if (!input.files.length) return;
      ev.preventDefault();
      sendAll(input.files);
      input.value = "";
    });
    ["dragenter", "dragover"].forEach(function (n) {
      zone.addEventListener(n, function (e) { e.preventDefault(); zone.classList.add("dragover"); });
    });
    ["dragleave", "drop"].forEach(function (n) {
      zone.addEventListener(n, function (e) { e.preventDefault(); zone.classList.remove("dragover"); });
    });
    zone.addEventListener("drop", function (e) { if (e.dataTransfer && e.dataTransfer.files.length) sendAll(e.dataTransfer.files); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    initLanguageSwitch();
    initConfirm();
    initUpload();
  });
})();
