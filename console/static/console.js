/* Staff console live updates (no framework; the page's CSP allows scripts from /static only).
 *
 * Every signed-in page: polls GET /live/waiting and keeps the nav badge "N waiting for a
 * human" and the tab title up to date; a new request plays a short beep and, once the staff
 * member pressed "Enable notifications", shows a desktop notification (no names or numbers).
 * A transcript page (#live-transcript) also polls GET /conversations/<id>/turns (with the
 * page's own cursor, so the same page of a long transcript) and swaps in the turns list,
 * often while the chat is taken over or waiting, and not while the tab is hidden. Without
 * JavaScript the same shows on reload.
 */
(function () {
  "use strict";
  var WAITING_URL = "/live/waiting";
  var WAITING_EVERY_MS = 10000;
  var TURNS_LIVE_MS = 3000;      /* taken over, or the user waits for a human */
  var TURNS_QUIET_MS = 15000;
  var FETCH_TIMEOUT_MS = 8000;
  var MAX_DELAY_MS = 60000;      /* back-off after errors */
  var SEEN_KEY = "mmd-console-live-seen";  /* the newest request this browser has alerted about */

  var badge = document.getElementById("waiting-badge");
  var baseTitle = document.title.replace(/^\(\d+\) /, "");
  var signedOut = false;

  /* A screen-reader announcement for what changes without a reload. */
  var announcer = document.createElement("p");
  announcer.className = "visually-hidden";
  announcer.setAttribute("aria-live", "assertive");
  document.body.appendChild(announcer);
  function announce(text) {
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 50);
  }

  function getJson(url) {
    var controller = window.AbortController ? new window.AbortController() : null;
    var timer = window.setTimeout(function () { if (controller) { controller.abort(); } }, FETCH_TIMEOUT_MS);
    return window.fetch(url, {
      credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" },
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      window.clearTimeout(timer);
      if (response.status === 401) { signedOut = true; throw new Error("signed out"); }
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }, function (error) {
      window.clearTimeout(timer);
      throw error;
    });
  }

  /* Runs `task` (returning a promise) every delay() ms; doubles the wait after a failure. */
  function poller(task, delay) {
    var timer = null, failures = 0, running = false, stopped = false;
    function schedule(ms) {
      window.clearTimeout(timer);
      if (!stopped && !signedOut) { timer = window.setTimeout(run, ms); }
    }
    function run() {
      if (running || stopped || signedOut) { return; }
      running = true;
      task().then(function () {
        failures = 0;
      }, function () {
        failures += 1;
      }).then(function () {
        running = false;
        schedule(failures ? Math.min(MAX_DELAY_MS, delay() * Math.pow(2, failures)) : delay());
      });
    }
    return {
      now: function () { stopped = false; schedule(0); },
      later: function () { stopped = false; schedule(delay()); },
      stop: function () { stopped = true; window.clearTimeout(timer); }
    };
  }

  /* --- sound and desktop notifications ---------------------------------------------- */
  var audio = null;
  function unlockAudio() {
    /* Browsers start audio only after a click or key press on the page. */
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) { return; }
    try {
      if (!audio) { audio = new Context(); }
      if (audio.state === "suspended") { audio.resume(); }
    } catch (error) { audio = null; }
  }
  document.addEventListener("pointerdown", unlockAudio, { once: true });
  document.addEventListener("keydown", unlockAudio, { once: true });

  function beep() {
    if (!audio) { return; }
    try {
      var start = audio.currentTime + 0.01;
      [0, 0.25].forEach(function (offset) {
        var tone = audio.createOscillator(), volume = audio.createGain();
        tone.type = "sine";
        tone.frequency.value = 880;
        volume.gain.setValueAtTime(0.0001, start + offset);
        volume.gain.exponentialRampToValueAtTime(0.25, start + offset + 0.02);
        volume.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.18);
        tone.connect(volume);
        volume.connect(audio.destination);
        tone.start(start + offset);
        tone.stop(start + offset + 0.2);
      });
    } catch (error) { /* no sound is never an error */ }
  }

  function notificationsOn() {
    return "Notification" in window && window.Notification.permission === "granted";
  }

  function offerNotifications() {
    var nav = document.querySelector(".top nav");
    if (!nav || !("Notification" in window) || window.Notification.permission !== "default") { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.id = "enable-notifications";
    button.className = "notify-button";
    button.textContent = "Enable notifications";
    button.addEventListener("click", function () {
      unlockAudio();
      var asked;
      try { asked = window.Notification.requestPermission(); } catch (error) { asked = null; }
      Promise.resolve(asked).then(function (permission) {
        if (permission === "granted") {
          button.remove();
          announce("Desktop notifications are on.");
          waiting.now();  /* the server now counts this member as reachable */
        } else if (permission === "denied") {
          button.remove();
        }
      });
    });
    nav.parentNode.insertBefore(button, nav.nextSibling);
  }

  function alertStaff(data) {
    var newest = data.requests && data.requests[0];
    var wait = newest ? "Waiting " + newest.waited + "." : "";
    beep();
    announce("A user is waiting for a human. " + wait);
    if (badge) { badge.dataset.alerts = String(Number(badge.dataset.alerts || 0) + 1); }
    if (notificationsOn()) {
      try {
        var note = new window.Notification("A user is waiting for a human", {
          body: wait + " Open the console to take over the chat.", tag: "mmd-live-" + data.latest_id
        });
        note.onclick = function () {
          window.focus();
          window.location.href = newest ? newest.url : "/bookings#waiting";
          note.close();
        };
      } catch (error) { /* e.g. a browser that wants a service worker: the badge and beep remain */ }
    }
  }

  /* --- the waiting badge -------------------------------------------------------------- */
  function showCount(count) {
    if (typeof count !== "number") { return; }
    if (badge) {
      var current = badge.querySelector(".badge");
      var text = count + " waiting for a human";
      if (count > 0 && (!current || current.textContent !== text)) {
        var link = document.createElement("a");
        link.href = "/bookings#waiting";
        link.className = "badge";
        link.textContent = text;
        badge.textContent = "";
        badge.appendChild(link);
      } else if (count === 0 && current) {
        badge.textContent = "";
      }
    }
    document.title = (count > 0 ? "(" + count + ") " : "") + baseTitle;
  }

  function readSeen() {
    try { return parseInt(window.localStorage.getItem(SEEN_KEY) || "", 10); } catch (error) { return NaN; }
  }
  function writeSeen(id) {
    try { window.localStorage.setItem(SEEN_KEY, String(id)); } catch (error) { /* private mode */ }
  }

  var waiting = poller(function () {
    /* "reachable": the member can see or hear an alert, so users may be offered a human. */
    var reachable = document.visibilityState === "visible" || notificationsOn();
    return getJson(WAITING_URL + (reachable ? "?reachable=1" : "")).then(function (data) {
      showCount(data.count);
      var seen = readSeen(), latest = Number(data.latest_id) || 0;
      /* Another tab may have alerted already; the first visit only learns what waits. */
      if (!isNaN(seen) && latest > seen) { alertStaff(data); }
      if (isNaN(seen) || latest !== seen) { writeSeen(latest); }
    });
  }, function () { return WAITING_EVERY_MS; });

  /* --- a transcript that updates itself ---------------------------------------------- */
  var transcript = document.getElementById("live-transcript");
  var turns = null;
  if (transcript && transcript.dataset.turnsUrl) {
    var status = document.getElementById("live-turns-status");
    var paused = transcript.dataset.paused === "1";
    var userWaits = transcript.dataset.waiting === "1";
    var lastHtml = null;
    /* Rows in the whole conversation: the page shows one page of them (the latest by default),
     * which keeps its size as the chat goes on, so new rows are counted here, not in the list. */
    var lastCount = Number(transcript.dataset.count);
    if (isNaN(lastCount)) { lastCount = transcript.querySelectorAll("ol.turns > li").length; }
    var latestUrl = transcript.dataset.latestUrl || "";

    var say = function (text, withReload) {
      if (!status) { return; }
      status.textContent = text + (withReload ? " " : "");
      if (withReload) {
        var reload = document.createElement("a");
        reload.href = window.location.pathname + window.location.search;
        reload.textContent = "Reload the page";
        status.appendChild(reload);
      }
    };

    var selecting = function (list) {
      var selection = window.getSelection && window.getSelection();
      return Boolean(selection && !selection.isCollapsed && list.contains(selection.anchorNode));
    };

    turns = poller(function () {
      return getJson(transcript.dataset.turnsUrl + window.location.search).then(function (data) {
        var list = transcript.querySelector("ol.turns");
        if (list && data.html !== lastHtml && !selecting(list)) {
          var holder = document.createElement("div");
          holder.innerHTML = data.html;  /* rendered and escaped by the console's templates */
          var fresh = holder.querySelector("ol.turns");
          if (fresh) {
            var atEnd = list.getBoundingClientRect().bottom <= window.innerHeight + 120;
            var added = data.count - lastCount;
            list.parentNode.replaceChild(fresh, list);
            lastHtml = data.html;
            /* Following the end of the chat: keep following it; reading further up: stay there. */
            if (added > 0 && atEnd && !latestUrl && fresh.lastElementChild) {
              fresh.lastElementChild.scrollIntoView({ block: "nearest" });
            }
            if (added > 0) {
              say(added === 1 ? "1 new event in the transcript." : added + " new events in the transcript.", false);
              if (latestUrl && status) {  /* an earlier page: the new events are on the latest one */
                var latest = document.createElement("a");
                latest.href = latestUrl;
                latest.textContent = "Go to the latest messages";
                status.appendChild(document.createTextNode(" "));
                status.appendChild(latest);
              }
            }
            lastCount = data.count;
          }
        }
        if (Boolean(data.paused) !== paused) {
          paused = Boolean(data.paused);
          say(paused ? "Someone took this chat over." : "The chat was handed back to the bot.", true);
        }
        userWaits = Boolean(data.waiting);
      }, function (error) {
        if (/HTTP 404/.test(String(error && error.message))) { turns.stop(); }
        throw error;
      });
    }, function () { return paused || userWaits ? TURNS_LIVE_MS : TURNS_QUIET_MS; });
  }

  document.addEventListener("visibilitychange", function () {
    if (!turns) { return; }
    if (document.visibilityState === "hidden") { turns.stop(); } else { turns.now(); }
  });

  offerNotifications();
  waiting.now();
  if (turns && document.visibilityState !== "hidden") { turns.later(); }
}());
