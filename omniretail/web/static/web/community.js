/* Group chat: a WebSocket to /ws/community/<group>/ while it is open (messages appear as
   they are sent, text is sent over it); without one the htmx poller (#poller) fetches new
   lines every 3 s and the composer posts the form. A reconnecting socket asks for what it
   missed with ?after=<last id>. Lines are built with textContent: nothing a member writes
   is ever parsed as HTML. */
(function () {
  "use strict";
  var chat = document.getElementById("chat");
  if (!chat) return;
  var lines = document.getElementById("lines");
  var state = document.getElementById("socket-state");
  var d = chat.dataset;
  var socket = null, retry = 500, pending = {};

  // Ids are messages' public ids (opaque): the last line shown is the last one known.
  function lastId() {
    var last = lines.lastElementChild;
    return last ? last.dataset.id : (d.lastId || "");
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  }

  function render(m) {
    var line = el("div", "cm-line" + (m.removed ? " removed" : "") + (m.author.id === d.me ? " mine" : ""));
    line.id = "m-" + m.id;
    line.dataset.id = m.id;
    line.dataset.author = m.author.id;
    line.setAttribute("data-testid", "line");
    var meta = el("div", "cm-meta");
    meta.appendChild(el("strong", "", m.author.name));
    line.appendChild(meta);
    if (m.reply_to) line.appendChild(el("blockquote", "cm-quote", m.reply_to.author + "：" + (m.reply_to.text || "…")));
    if (m.removed) {
      var gone = el("p", "muted", d.removedLabel);
      gone.setAttribute("data-testid", "removed");
      line.appendChild(gone);
      return line;
    }
    if (m.text) {
      var p = el("p", "cm-text", m.text);
      p.setAttribute("data-testid", "line-text");
      line.appendChild(p);
    }
    if (m.image) {
      var img = el("img", "cm-image");
      img.src = m.image;
      img.alt = d.imageLabel;
      line.appendChild(img);
    }
    if (m.card && m.card.url && m.card.url.charAt(0) === "/" && m.card.url.charAt(1) !== "/") {
      var a = el("a", "cm-card");
      a.href = m.card.url;
      a.setAttribute("data-testid", "card");
      a.appendChild(el("strong", "", m.card.title));
      a.appendChild(document.createTextNode(" "));
      a.appendChild(el("span", "", m.card.price));
      a.appendChild(document.createTextNode(" "));
      a.appendChild(el("span", "muted", m.card.kind === "groupbuy" ? d.groupbuyLabel : m.card.kind === "coupon" ? d.couponLabel : d.productLabel));
      line.appendChild(a);
    }
    if (m.kind === "coupon") {
      // Claimed or sold out shows on the next page load; the server refuses either way.
      var form = el("form", "cm-coupon");
      form.method = "post";
      form.action = d.claimUrl.replace("/m/0/", "/m/" + m.id + "/");
      form.setAttribute("data-testid", "coupon-state");
      var token = document.querySelector("#composer input[name=csrfmiddlewaretoken]");
      if (token) form.appendChild(token.cloneNode());
      var take = el("button", "btn small", d.claimLabel);
      take.type = "submit";
      take.setAttribute("data-testid", "coupon-claim");
      form.appendChild(take);
      line.appendChild(form);
    }
    var tools = el("div", "cm-tools");
    var reply = el("button", "linkish", d.replyLabel);
    reply.type = "button";
    reply.dataset.reply = m.id;
    tools.appendChild(reply);
    var report = el("a", "", d.reportLabel);
    report.href = d.reportUrl.replace("/m/0/", "/m/" + m.id + "/");
    tools.appendChild(report);
    line.appendChild(tools);
    return line;
  }

  function add(m) {
    var existing = document.getElementById("m-" + m.id);
    if (existing) {
      if (m.removed) existing.replaceWith(render(m));
      return;
    }
    lines.appendChild(render(m));
    d.lastId = m.id;
    lines.lastElementChild.scrollIntoView({ block: "end" });
    if (socket && socket.readyState === 1) socket.send(JSON.stringify({ action: "read", up_to: m.id }));
  }

  function showError(text) {
    var box = document.getElementById("socket-error");
    if (!box) return;
    box.textContent = text || "";
    box.hidden = !text;
  }

  function polling(on) {
    var poller = document.getElementById("poller");
    if (poller) poller.setAttribute("hx-trigger", on ? "every 3s, community-poll from:body" : "community-poll from:body");
    if (poller && window.htmx) window.htmx.process(poller);
    state.textContent = on ? "polling" : "socket";
  }

  function connect() {
    if (!("WebSocket" in window)) return;
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + d.ws + "?after=" + lastId());
    socket.onopen = function () { retry = 500; polling(false); };
    socket.onmessage = function (event) {
      var frame = JSON.parse(event.data);
      if (frame.type === "message") add(frame.message);
      else if (frame.type === "removed") {
        var line = document.getElementById("m-" + frame.id);
        if (line) { line.classList.add("removed"); line.replaceChildren(el("p", "muted", d.removedLabel)); }
      } else if (frame.type === "sent") {
        delete pending[frame.client_id];
        showError("");
      } else if (frame.type === "error") {
        var text = frame.message;
        Object.keys(frame.fields || {}).forEach(function (k) { text += " " + frame.fields[k].join(" "); });
        showError(text);
        if (frame.client_id && pending[frame.client_id] !== undefined) {
          document.getElementById("cm-text").value = pending[frame.client_id];
          delete pending[frame.client_id];
        }
      }
    };
    socket.onclose = function (event) {
      socket = null;
      polling(true);
      if (event.code === 4401 || event.code === 4403 || event.code === 4404) return;
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 15000);
    };
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id !== "composer" || !socket || socket.readyState !== 1) return;
    var file = form.querySelector("input[type=file]");
    if (file && file.files.length) return; // images go through the form (core.uploads)
    event.preventDefault();
    event.stopPropagation();
    var text = document.getElementById("cm-text");
    var replyTo = document.getElementById("reply-to");
    var id = String(Date.now()) + Math.random();
    var frame = { action: "send", text: text.value, client_id: id };
    if (replyTo.value) frame.reply_to = replyTo.value;
    pending[id] = text.value;
    socket.send(JSON.stringify(frame));
    text.value = "";
    replyTo.value = "";
    document.getElementById("replying").hidden = true;
  }, true);

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-reply]");
    if (!button) return;
    var line = document.getElementById("m-" + button.dataset.reply);
    document.getElementById("reply-to").value = button.dataset.reply;
    var note = document.getElementById("replying");
    note.textContent = d.replyingLabel + " " + line.querySelector(".cm-meta strong").textContent;
    note.hidden = false;
    document.getElementById("cm-text").focus();
  });

  connect();
})();
