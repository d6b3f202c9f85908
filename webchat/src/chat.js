/* mmd-assistant web chat: Rasa's socket.io channel with session persistence.
 * The conversation (session id + transcript) lives in localStorage, so a reload or a
 * server restart keeps it; socket.io reconnects by itself and re-joins the session. */
(function () {
  "use strict";
  var config = window.MMD_CONFIG || {};
  var STORE_KEY = "mmd-assistant-chat";
  var HUMAN_PAYLOAD = "/request_human";
  var TYPING_TIMEOUT_MS = 20000;
  var DISCLAIMER = "This assistant shares information about Movement Mirror Disorder. " +
    "It cannot diagnose. If this is an emergency, call your local emergency number now.";

  var log = document.getElementById("log");
  var statusEl = document.getElementById("status");
  var typing = document.getElementById("typing");
  var form = document.getElementById("composer");
  var input = document.getElementById("message");
  var typingTimer = null;
  var pending = [];
  var confirmed = false;

  function newSessionId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID().replace(/-/g, ""); }
    return Date.now().toString(16) + Math.random().toString(16).slice(2);
  }

  function load() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(STORE_KEY) || "null");
      if (saved && saved.sessionId && Array.isArray(saved.history)) { return saved; }
    } catch (error) { /* a broken entry starts a new conversation */ }
    return { sessionId: newSessionId(), history: [] };
  }
  var state = load();

  function save() {
    try { window.localStorage.setItem(STORE_KEY, JSON.stringify(state)); } catch (error) { /* private mode */ }
  }

  /* Text is added with textContent only: user and bot text can never become markup. */
  function appendLinkified(parent, text) {
    var pattern = /https?:\/\/[^\s<>"]+[^\s<>".,;:!?)]/g;
    var last = 0, match;
    while ((match = pattern.exec(text)) !== null) {
      parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      var link = document.createElement("a");
      link.href = match[0]; link.textContent = match[0];
      link.target = "_blank"; link.rel = "noopener noreferrer";
      parent.appendChild(link);
      last = match.index + match[0].length;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  /* Emergency and crisis replies start with the alert sign (domain.yml): shown as an alert,
     announced at once to screen readers, with each emergency number as a tap-to-call link. */
  var ALERT_SIGN = "\uD83D\uDEA8";
  var EMERGENCY_NUMBERS = /\b(112|119|911|999)\b/g;

  function appendEmergency(parent, text) {
    parent.classList.add("msg--emergency");
    parent.setAttribute("role", "alert");
    var body = text.replace(ALERT_SIGN, "").trim();
    var last = 0, match;
    EMERGENCY_NUMBERS.lastIndex = 0;
    while ((match = EMERGENCY_NUMBERS.exec(body)) !== null) {
      parent.appendChild(document.createTextNode(body.slice(last, match.index)));
      var call = document.createElement("a");
      call.href = "tel:" + match[1]; call.className = "call"; call.textContent = match[1];
      call.setAttribute("aria-label", "Call " + match[1]);
      parent.appendChild(call);
      last = match.index + match[0].length;
    }
    parent.appendChild(document.createTextNode(body.slice(last)));
  }

  function render(entry, live) {
    if (entry.text) {
      var bubble = document.createElement("div");
      bubble.className = "msg msg--" + entry.from;
      if (entry.from === "bot") { bubble.setAttribute("aria-label", "Assistant: " + entry.text); }
      if (entry.from === "bot" && entry.text.indexOf(ALERT_SIGN) === 0) {
        appendEmergency(bubble, entry.text);
      } else {
        appendLinkified(bubble, entry.text);
      }
      log.appendChild(bubble);
    }
    if (entry.buttons && entry.buttons.length) {
      var group = document.createElement("div");
      group.className = "choices";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "Suggested replies");
      entry.buttons.forEach(function (button) {
        var element = document.createElement("button");
        element.type = "button";
        element.textContent = button.title;
        element.dataset.payload = button.payload;
        element.disabled = !live;
        element.addEventListener("click", function () {
          entry.answered = true;
          Array.prototype.forEach.call(group.querySelectorAll("button"), function (b) { b.disabled = true; });
          send(button.title, button.payload);
        });
        group.appendChild(element);
      });
      log.appendChild(group);
    }
    log.scrollTop = log.scrollHeight;
  }

  function add(entry) {
    if (entry.from === "user") {
      /* Once the user answers, earlier quick replies are spent. */
      state.history.forEach(function (old) { if (old.buttons) { old.answered = true; } });
      Array.prototype.forEach.call(log.querySelectorAll(".choices button"), function (b) { b.disabled = true; });
    }
    state.history.push(entry);
    save();
    render(entry, true);
  }

  function setTyping(on) {
    typing.hidden = !on;
    window.clearTimeout(typingTimer);
    if (on) { typingTimer = window.setTimeout(function () { typing.hidden = true; }, TYPING_TIMEOUT_MS); }
  }

  function setStatus(text) { statusEl.textContent = text; }

  var socket = window.io(config.socketUrl || window.location.origin, {
    path: config.socketPath || "/socket.io",
    transports: ["websocket", "polling"],
    reconnection: true,
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
    timeout: 10000
  });

  function emitMessage(payload) {
    socket.emit("user_uttered", { message: payload, session_id: state.sessionId });
  }

  function send(display, payload) {
    var text = (display || "").trim();
    if (!text) { return; }
    add({ from: "user", text: text });
    setTyping(true);
    if (confirmed && socket.connected) { emitMessage(payload || text); } else { pending.push(payload || text); }
    input.focus();
  }

  socket.on("connect", function () {
    confirmed = false;
    setStatus("Connecting…");
    socket.emit("session_request", { session_id: state.sessionId });
  });
  socket.on("session_confirm", function () {
    confirmed = true;
    setStatus("Online");
    while (pending.length) { emitMessage(pending.shift()); }
  });
  socket.on("disconnect", function () { confirmed = false; setStatus("Reconnecting…"); });
  socket.on("connect_error", function () { setStatus("Can't reach the assistant, retrying…"); });
  socket.on("bot_uttered", function (message) {
    setTyping(false);
    var buttons = (message.quick_replies || message.buttons || []).map(function (b) {
      return { title: b.title, payload: b.payload };
    });
    var text = message.text || (message.attachment && message.attachment.payload && message.attachment.payload.src) || "";
    add({ from: "bot", text: text, buttons: buttons });
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    input.value = "";
    send(text);
  });
  document.getElementById("talk-to-human").addEventListener("click", function () {
    send("Talk to a human", HUMAN_PAYLOAD);
  });

  if (state.history.length === 0) {
    add({ from: "notice", text: DISCLAIMER });
  } else {
    state.history.forEach(function (entry) { render(entry, !entry.answered); });
  }
}());
