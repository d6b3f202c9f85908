/* mmd-assistant web chat: Rasa's socket.io channel with session persistence.
 * The conversation (session id + transcript) lives in localStorage, so a reload or a
 * server restart keeps it; socket.io reconnects by itself and re-joins the session.
 *
 * Live hand-off: when a staff member takes the chat over, Rasa's socket.io output sends,
 * after the "has joined" text, a custom message {handoff: "joined"} (the socketio variation
 * of utter_agent_joined in domain.yml; other channels get the text only); "left" when they
 * hand back. While taken over no bot reply comes, so no typing dots are shown, and the
 * staff member's replies ("Ana from the care team: …", utter_agent_message) are shown
 * under their name rather than as the assistant.
 *
 * Feedback: answers that name their sources get "Was this helpful? 👍 👎"; a vote is
 * POSTed to this page's server (/feedback), which stores it in the conversation.
 *
 * Language: every text of the chat's own comes from i18n.js (English, Bahasa Indonesia). An
 * element shows a text through data-i18n="key" (its text) or data-i18n-<attribute>="key", so
 * the header's switch re-translates the page and what is already in the log in place. The
 * first language is the browser's (navigator.languages), a choice on the switch is kept in
 * localStorage, and the assistant is told with /change_language{"language": …} (sent, not shown).
 *
 * Long messages: what the user typed or pasted is sent whole, up to the box's maxlength (a hard
 * ceiling far above the server's limit, so nobody sends megabytes). The server reads a message
 * longer than its MAX_MESSAGE_CHARS (config.js: maxMessageChars) only in part (the first part,
 * or a later one that is an emergency) and says so; the hint under the box says it first, and
 * says when the ceiling is reached, so nothing is ever cut silently. */
(function () {
  "use strict";
  var config = window.MMD_CONFIG || {};
  var i18n = window.MMD_I18N;
  var STORE_KEY = "mmd-assistant-chat";
  var LANGUAGE_KEY = "mmd-assistant-language";
  var LANGUAGE_PAYLOAD = "/change_language";
  var HUMAN_PAYLOAD = "/request_human";
  var TYPING_TIMEOUT_MS = 20000;
  var FEEDBACK_TIMEOUT_MS = 10000;
  var ANSWER_CHARS = 120;
  /* utter_agent_message is "{agent_name}: {agent_message}"; agent_name is "<First name> from
     the care team" (console) or the slot's initial "The care team". */
  var AGENT_PREFIX = /^(\S{1,40} from the care team|The care team): ([\s\S]+)$/;
  /* An answer that names its sources (every FAQ and information answer in domain.yml). */
  var SOURCED_ANSWER = /(^|\s)(Sources?|Sumber): \S/;
  /* Attributes that can carry a text of i18n.js (data-label: the emergency label in chat.css). */
  var LOCALIZED_ATTRIBUTES = ["aria-label", "placeholder", "title", "data-label"];

  var log = document.getElementById("log");
  var statusEl = document.getElementById("status");
  var typing = document.getElementById("typing");
  var form = document.getElementById("composer");
  var input = document.getElementById("message");
  var hint = document.getElementById("message-hint");
  /* The server reads a longer message only in part (0: no limit, no hint). */
  var MESSAGE_LIMIT = Math.max(0, parseInt(config.maxMessageChars, 10) || 0);
  var hintKey = null;
  var typingTimer = null;
  var pending = [];
  var confirmed = false;
  var textValues = new WeakMap();  /* element -> the values its texts are filled with */

  function storedLanguage() {
    try {
      var saved = window.localStorage.getItem(LANGUAGE_KEY);
      return i18n.isLanguage(saved) ? saved : null;
    } catch (error) { return null; }
  }
  var language = storedLanguage() || i18n.fromBrowser(window.navigator);

  function t(key, values) { return i18n.t(language, key, values); }

  function translate(element) {
    var values = textValues.get(element);
    var key = element.getAttribute("data-i18n");
    if (key) { element.textContent = t(key, values); }
    LOCALIZED_ATTRIBUTES.forEach(function (attribute) {
      var attributeKey = element.getAttribute("data-i18n-" + attribute);
      if (attributeKey) { element.setAttribute(attribute, t(attributeKey, values)); }
    });
  }

  /* `element` shows the text `key` (as its text, or in `attribute`), now and after a switch. */
  function localize(element, attribute, key, values) {
    element.setAttribute(attribute ? "data-i18n-" + attribute : "data-i18n", key);
    if (values) { textValues.set(element, Object.assign({}, textValues.get(element), values)); }
    translate(element);
    return element;
  }

  function clearText(element) {
    element.removeAttribute("data-i18n");
    element.textContent = "";
  }

  var LOCALIZED = ["[data-i18n]"].concat(LOCALIZED_ATTRIBUTES.map(function (attribute) {
    return "[data-i18n-" + attribute + "]";
  })).join(",");
  var languageButtons = [];

  function applyLanguage() {
    document.documentElement.lang = language;
    Array.prototype.forEach.call(document.querySelectorAll(LOCALIZED), translate);
    languageButtons.forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.dataset.language === language));
    });
  }

  function newSessionId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID().replace(/-/g, ""); }
    return Date.now().toString(16) + Math.random().toString(16).slice(2);
  }

  function load() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(STORE_KEY) || "null");
      if (saved && saved.sessionId && Array.isArray(saved.history)) {
        /* The disclaimer was kept as English text before the chat spoke two languages. */
        saved.history.forEach(function (entry) {
          if (entry.from === "notice" && entry.text === i18n.t("en", "disclaimer")) {
            delete entry.text;
            entry.key = "disclaimer";
          }
        });
        return saved;
      }
    } catch (error) { /* a broken entry starts a new conversation */ }
    /* paused: a staff member has taken the chat over (kept across reloads). */
    return { sessionId: newSessionId(), history: [], paused: false };
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
    localize(parent, "data-label", "emergency");
    var body = text.replace(ALERT_SIGN, "").trim();
    var last = 0, match;
    EMERGENCY_NUMBERS.lastIndex = 0;
    while ((match = EMERGENCY_NUMBERS.exec(body)) !== null) {
      parent.appendChild(document.createTextNode(body.slice(last, match.index)));
      var call = document.createElement("a");
      call.href = "tel:" + match[1]; call.className = "call"; call.textContent = match[1];
      localize(call, "aria-label", "call", { number: match[1] });
      parent.appendChild(call);
      last = match.index + match[0].length;
    }
    parent.appendChild(document.createTextNode(body.slice(last)));
  }

  function wantsFeedback(entry) {
    return Boolean(config.feedback) && entry.from === "bot" && !entry.agent && Boolean(entry.text) &&
      entry.text.indexOf(ALERT_SIGN) !== 0 && SOURCED_ANSWER.test(entry.text);
  }

  /* The answer's first 120 characters (whole characters: an emoji is never cut in half). */
  function answerStart(text) {
    return Array.from(text.trim()).slice(0, ANSWER_CHARS).join("");
  }

  function feedbackThanks(box) {
    box.textContent = "";
    var thanks = document.createElement("p");
    thanks.className = "feedback__thanks";
    box.appendChild(localize(thanks, null, "feedbackThanks"));
  }

  function renderFeedback(entry) {
    var box = document.createElement("div");
    box.className = "feedback";
    if (entry.feedback) { feedbackThanks(box); return box; }
    box.setAttribute("role", "group");
    localize(box, "aria-label", "feedbackGroup");
    var question = document.createElement("span");
    question.className = "feedback__question";
    localize(question, null, "feedbackQuestion");
    question.setAttribute("aria-hidden", "true");
    box.appendChild(question);
    var note = document.createElement("p");
    note.className = "feedback__note";
    var buttons = [["\uD83D\uDC4D", "helpful", true], ["\uD83D\uDC4E", "notHelpful", false]].map(function (spec) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "feedback__button";
      button.textContent = spec[0];
      localize(button, "title", spec[1]);
      localize(button, "aria-label", spec[1]);
      button.addEventListener("click", function () { vote(entry, box, buttons, note, spec[2]); });
      box.appendChild(button);
      return button;
    });
    box.appendChild(note);
    return box;
  }

  function vote(entry, box, buttons, note, helpful) {
    if (entry.feedback || box.getAttribute("aria-busy") === "true") { return; }  /* one vote per answer */
    box.setAttribute("aria-busy", "true");
    buttons.forEach(function (b) { b.disabled = true; });
    clearText(note);
    var controller = window.AbortController ? new window.AbortController() : null;
    var timer = window.setTimeout(function () { if (controller) { controller.abort(); } }, FEEDBACK_TIMEOUT_MS);
    window.fetch("feedback", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender_id: state.sessionId, helpful: helpful, answer: answerStart(entry.text) }),
      signal: controller ? controller.signal : undefined,
      credentials: "same-origin"
    }).then(function (response) {
      if (response.ok || response.status === 409) { return "recorded"; }  /* 409: already recorded */
      if (response.status === 503 || response.status === 429) { return "later"; }
      return "refused";
    }, function () { return "later"; }).then(function (outcome) {
      window.clearTimeout(timer);
      box.removeAttribute("aria-busy");
      if (outcome === "recorded") {
        entry.feedback = helpful ? "helpful" : "unhelpful";
        save();
        feedbackThanks(box);
        return;
      }
      if (outcome === "later") {
        buttons.forEach(function (b) { b.disabled = false; });
        localize(note, null, "feedbackLater");
      } else {
        localize(note, null, "feedbackRefused");
      }
    });
  }

  function render(entry, live) {
    if (entry.from === "notice" && entry.key) {
      var notice = document.createElement("div");
      notice.className = "msg msg--notice";
      log.appendChild(localize(notice, null, entry.key));
    } else if (entry.text) {
      var bubble = document.createElement("div");
      bubble.className = "msg msg--" + entry.from + (entry.agent ? " msg--agent" : "");
      if (entry.agent) {
        /* A staff member's reply: their name, not the assistant's. */
        bubble.setAttribute("aria-label", entry.agent + ": " + entry.text);
        var who = document.createElement("span");
        who.className = "msg__who";
        who.textContent = entry.agent;
        bubble.appendChild(who);
        appendLinkified(bubble, entry.text);
      } else if (entry.from === "bot" && entry.text.indexOf(ALERT_SIGN) === 0) {
        localize(bubble, "aria-label", "assistantSays", { text: entry.text });
        appendEmergency(bubble, entry.text);
      } else {
        if (entry.from === "bot") { localize(bubble, "aria-label", "assistantSays", { text: entry.text }); }
        appendLinkified(bubble, entry.text);
      }
      log.appendChild(bubble);
      if (wantsFeedback(entry)) { log.appendChild(renderFeedback(entry)); }
    }
    if (entry.buttons && entry.buttons.length) {
      var group = document.createElement("div");
      group.className = "choices";
      group.setAttribute("role", "group");
      localize(group, "aria-label", "suggestedReplies");
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

  function setPaused(on) {
    if (Boolean(state.paused) === on) { return; }
    state.paused = on;
    save();
    if (on) { setTyping(false); }
  }

  function setTyping(on) {
    typing.hidden = !on;
    window.clearTimeout(typingTimer);
    if (on) { typingTimer = window.setTimeout(function () { typing.hidden = true; }, TYPING_TIMEOUT_MS); }
  }

  function setStatus(key) { localize(statusEl, null, key); }

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

  /* A button's intent ("/request_human") carries the page's language, so the assistant's reply
     to a first button press is in it too (the `language` slot is filled from the entity).
     Typed text needs nothing: the assistant reads its language. */
  function withLanguage(payload) {
    if (!payload || payload.charAt(0) !== "/" || payload.indexOf("{") !== -1) { return payload; }
    return payload + JSON.stringify({ language: language });
  }

  function send(display, payload) {
    var text = (display || "").trim();
    if (!text) { return; }
    add({ from: "user", text: text });
    /* While a staff member has the chat, the assistant is paused: no reply is coming. */
    setTyping(!state.paused);
    var message = withLanguage(payload) || text;
    if (confirmed && socket.connected) { emitMessage(message); } else { pending.push(message); }
    input.focus();
  }

  socket.on("connect", function () {
    confirmed = false;
    setStatus("connecting");
    socket.emit("session_request", { session_id: state.sessionId });
  });
  socket.on("session_confirm", function () {
    confirmed = true;
    setStatus("online");
    while (pending.length) { emitMessage(pending.shift()); }
  });
  socket.on("disconnect", function () { confirmed = false; setStatus("reconnecting"); });
  socket.on("connect_error", function () { setStatus("unreachable"); });
  socket.on("bot_uttered", function (message) {
    message = message || {};
    if (message.handoff === "joined" || message.handoff === "left") {
      /* The socket.io-only marker after utter_agent_joined / utter_agent_left: no bubble. */
      setPaused(message.handoff === "joined");
      return;
    }
    setTyping(false);
    var buttons = (message.quick_replies || message.buttons || []).map(function (b) {
      return { title: b.title, payload: b.payload };
    });
    var text = message.text || (message.attachment && message.attachment.payload && message.attachment.payload.src) || "";
    var agent = state.paused ? AGENT_PREFIX.exec(text) : null;
    if (agent) {
      /* Only while taken over (no bot reply can come then) is a reply shown as a person's. */
      add({ from: "bot", agent: agent[1], text: agent[2], buttons: buttons });
      return;
    }
    /* Any other message means the assistant speaks again (e.g. the hand-back was missed
       while the page was closed): typing dots come back. */
    if (text && state.paused) { setPaused(false); }
    add({ from: "bot", text: text, buttons: buttons });
  });

  /* Characters as the server counts them (code points: an emoji is one, not two). */
  function characters(text) { return Array.from(text).length; }

  /* The hint under the box, for what is in it now. Kept after sending (the box is then empty)
     until the next edit; set only when it changes, so screen readers hear it once. */
  function updateHint() {
    var text = input.value;
    var key = null, values = null;
    if (input.maxLength > 0 && text.length >= input.maxLength) {
      key = "messageCeiling"; values = { max: input.maxLength };
    } else if (MESSAGE_LIMIT > 0 && text.length > MESSAGE_LIMIT && characters(text.trim()) > MESSAGE_LIMIT) {
      key = "longMessage"; values = { limit: MESSAGE_LIMIT };
    }
    if (key === hintKey) { return; }
    hintKey = key;
    if (key) { localize(hint, null, key, values); } else { clearText(hint); }
  }
  input.addEventListener("input", updateHint);

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    input.value = "";
    send(text);
  });
  document.getElementById("talk-to-human").addEventListener("click", function () {
    send(t("talkToHuman"), HUMAN_PAYLOAD);
  });

  /* Tells the assistant the language chosen, so its replies follow; never shown as a bubble.
     Flips made while offline are sent after the reconnect (only the last of a row of them). */
  function tellLanguage() {
    var payload = LANGUAGE_PAYLOAD + JSON.stringify({ language: language });
    if (confirmed && socket.connected) { emitMessage(payload); return; }
    if (pending.length && pending[pending.length - 1].indexOf(LANGUAGE_PAYLOAD + "{") === 0) { pending.pop(); }
    pending.push(payload);
  }

  function chooseLanguage(code) {
    if (!i18n.isLanguage(code) || code === language) { return; }
    language = code;
    try { window.localStorage.setItem(LANGUAGE_KEY, code); } catch (error) { /* private mode */ }
    applyLanguage();
    tellLanguage();
  }

  /* The header's "EN | ID": each language under its own name (lang set, not translated). */
  var languageSwitch = document.getElementById("language-switch");
  i18n.languages.forEach(function (spec, index) {
    if (index > 0) {
      var bar = document.createElement("span");
      bar.className = "chat__lang-bar";
      bar.setAttribute("aria-hidden", "true");
      bar.textContent = "|";
      languageSwitch.appendChild(bar);
    }
    var button = document.createElement("button");
    button.type = "button";
    button.lang = spec.code;
    button.dataset.language = spec.code;
    button.textContent = spec.short;
    button.title = spec.name;
    button.setAttribute("aria-label", spec.name + " (" + spec.short + ")");
    button.addEventListener("click", function () { chooseLanguage(spec.code); });
    languageSwitch.appendChild(button);
    languageButtons.push(button);
  });
  applyLanguage();

  if (state.history.length === 0) {
    add({ from: "notice", key: "disclaimer" });
  } else {
    state.history.forEach(function (entry) { render(entry, !entry.answered); });
  }
}());
