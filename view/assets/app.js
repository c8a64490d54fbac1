// tlsmirror's connection views in the browser. The HTML of every row and
// every connection is rendered (and escaped) by tlsmirror itself; this script
// only places it: the live list over server-sent events, the filters and
// counts, opening a connection, and the copy and download buttons. The
// report works without it; with it, it gets the same filters.
(function () {
  "use strict";
  var doc = document;
  var report = !!doc.querySelector('meta[name="tlsmirror-mode"][content="report"]');
  doc.documentElement.classList.add("js");
  if (report) doc.body.classList.add("report");

  var MAX_SHOWN = 500;   // rows in the DOM at once; the rest are counted
  var ring = 10000;      // what the server keeps; told by /api/hello
  var rows = [];         // oldest first: {id, rejected_by, rejecting, host, sni, html, el}
  var byId = new Map();
  var dirty = false;
  var activeId = null;

  var $ = function (id) { return doc.getElementById(id); };
  var tbody = $("rows"), detail = $("detail");

  function filters() {
    return { outcome: $("f-outcome").value, profile: $("f-profile").value, host: $("f-host").value.trim().toLowerCase() };
  }

  function matches(r, f) {
    if (f.outcome === "rejected" && r.rejected_by === "none") return false;
    if (f.outcome === "accepted" && r.rejected_by !== "none") return false;
    if (f.profile && r.rejecting.indexOf(f.profile) < 0 && r.rejected_by !== f.profile) return false;
    if (f.host && (r.host || "").toLowerCase().indexOf(f.host) < 0 && (r.sni || "").toLowerCase().indexOf(f.host) < 0) return false;
    return true;
  }

  function rowElement(r) {
    if (!r.el) {
      var t = doc.createElement("tbody");
      t.innerHTML = r.html;  // rendered and escaped by tlsmirror
      r.el = t.firstElementChild;
    }
    return r.el;
  }

  var knownProfiles = new Set();
  function noteProfiles(r) {
    r.rejecting.forEach(function (p) {
      if (knownProfiles.has(p)) return;
      knownProfiles.add(p);
      var o = doc.createElement("option");
      o.value = p;
      o.textContent = p;
      $("f-profile").appendChild(o);
    });
  }

  function renderCounts() {
    var counts = new Map();
    rows.forEach(function (r) { counts.set(r.rejected_by, (counts.get(r.rejected_by) || 0) + 1); });
    var box = $("counts");
    box.textContent = "";
    var keys = Array.from(counts.keys()).sort(function (a, b) { return counts.get(b) - counts.get(a); });
    keys.forEach(function (k) {
      var s = doc.createElement("span");
      s.className = "count";
      s.dataset.rejectedBy = k;
      s.textContent = k === "none" ? "accepted" : "rejected by " + k;
      var b = doc.createElement("b");
      b.textContent = counts.get(k);
      s.appendChild(b);
      box.appendChild(s);
    });
  }

  function render() {
    dirty = false;
    var f = filters(), shown = 0, matching = 0;
    var frag = doc.createDocumentFragment();
    for (var i = rows.length - 1; i >= 0; i--) {  // newest first
      var r = rows[i];
      if (!matches(r, f)) continue;
      matching++;
      if (shown < MAX_SHOWN) {
        var el = rowElement(r);
        el.classList.toggle("active", r.id === activeId);
        frag.appendChild(el);
        shown++;
      }
    }
    tbody.textContent = "";
    tbody.appendChild(frag);
    $("shown").textContent = matching + " of " + rows.length + " connections";
    $("more").textContent = matching > shown ? (matching - shown) + " more match: narrow the filter to see them" : "";
    if (!report) renderCounts();
  }

  function schedule() {
    if (!dirty) {
      dirty = true;
      requestAnimationFrame(render);
    }
  }

  function add(r) {
    if (byId.has(r.id)) return;
    rows.push(r);
    byId.set(r.id, r);
    noteProfiles(r);
    while (rows.length > ring) byId.delete(rows.shift().id);
    schedule();
  }

  // Opening a connection.
  function open(id) {
    activeId = id;
    tbody.querySelectorAll("tr.active").forEach(function (el) { el.classList.remove("active"); });
    var tr = $("r-" + id);
    if (tr) tr.classList.add("active");
    if (report) {
      detail.querySelectorAll(".conn.active").forEach(function (el) { el.classList.remove("active"); });
      var s = $("c-" + id);
      if (s) s.classList.add("active");
      return;
    }
    fetch("api/conn/" + encodeURIComponent(id), { credentials: "same-origin" }).then(function (resp) {
      if (resp.status === 404) return "<p class=\"empty\">This connection is no longer in memory: its record is in the log file.</p>";
      if (!resp.ok) throw new Error("HTTP " + resp.status);
      return resp.text();
    }).then(function (html) {
      if (activeId === id) detail.innerHTML = html;  // rendered and escaped by tlsmirror
    }).catch(function (e) { detail.textContent = "Could not load the connection: " + e.message; });
  }

  function fromHash() {
    var m = /^#c-(\d+)$/.exec(location.hash);
    if (m) open(Number(m[1]));
  }

  doc.addEventListener("click", function (ev) {
    var tr = ev.target.closest("tr.row");
    if (tr && !ev.target.closest("a")) {
      location.hash = "#c-" + tr.dataset.id;
      return;
    }
    var btn = ev.target.closest("button[data-action]");
    if (!btn) return;
    var section = btn.closest(".conn");
    if (btn.dataset.action === "copy") {
      var text = section.querySelector("code.cmd").textContent;
      var done = function () { btn.textContent = "Copied"; setTimeout(function () { btn.textContent = "Copy inspect command"; }, 1500); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () { selectCopy(section, done); });
      } else {
        selectCopy(section, done);
      }
    } else if (btn.dataset.action === "download") {
      var blob = new Blob([section.querySelector("pre.json").textContent + "\n"], { type: "application/json" });
      var a = doc.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = btn.dataset.name;
      doc.body.appendChild(a);
      a.click();
      setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
    }
  });

  function selectCopy(section, done) {
    var range = doc.createRange();
    range.selectNodeContents(section.querySelector("code.cmd"));
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    try { doc.execCommand("copy"); done(); } catch (e) { /* the command stays selected */ }
  }

  ["f-outcome", "f-profile", "f-host"].forEach(function (id) { $(id).addEventListener("input", schedule); });
  $("filters").addEventListener("submit", function (ev) { ev.preventDefault(); });
  window.addEventListener("hashchange", fromHash);

  if (report) {
    // The rows are in the page already: read their filter keys from it.
    tbody.querySelectorAll("tr.row").forEach(function (tr) {
      var d = tr.dataset;
      var r = { id: Number(d.id), rejected_by: d.rejectedBy, rejecting: d.rejecting ? d.rejecting.split(" ") : [],
                host: d.host || "", sni: d.sni || "", el: tr };
      rows.unshift(r);
      byId.set(r.id, r);
      noteProfiles(r);
    });
    render();
    if (location.hash) fromHash(); else if (rows.length) open(rows[rows.length - 1].id);
    return;
  }

  // Live: the token, then the event stream.
  var status = $("status");
  function setStatus(text, live) { status.textContent = text; status.classList.toggle("live", !!live); }

  function start() {
    var es = new EventSource("api/events");
    es.addEventListener("row", function (ev) { add(JSON.parse(ev.data)); });
    es.onopen = function () { setStatus("live", true); };
    es.onerror = function () { setStatus("reconnecting\u2026", false); };
    fromHash();
  }

  function hello() {
    return fetch("api/hello", { credentials: "same-origin" }).then(function (resp) {
      if (resp.status === 401) return null;
      if (!resp.ok) throw new Error("HTTP " + resp.status);
      return resp.json();
    });
  }

  $("login").addEventListener("submit", function (ev) {
    ev.preventDefault();
    fetch("api/login", { method: "POST", credentials: "same-origin", headers: { "Content-Type": "text/plain" },
                         body: $("token").value }).then(function (resp) {
      if (resp.status !== 204) { $("login-error").textContent = "wrong token"; return; }
      $("login").hidden = true;
      boot();
    });
  });

  function boot() {
    hello().then(function (h) {
      if (h === null) { $("login").hidden = false; setStatus("locked", false); $("token").focus(); return; }
      ring = h.ring;
      start();
    }).catch(function (e) { setStatus("cannot reach tlsmirror: " + e.message, false); });
  }
  boot();
})();
