/* One script tag embeds the chat: <script src="http://localhost:8080/embed.js" defer></script>
 * adds a "Chat about MMD" button that opens the chat page in an iframe panel. The button's
 * texts come from the chat's i18n.js (loaded from the chat's host), in the browser's language. */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = script ? new URL(script.src).origin : "";

  function build() {
    var i18n = window.MMD_I18N;
    var language = i18n ? i18n.fromBrowser(window.navigator) : "en";
    function t(key) { return i18n ? i18n.t(language, key) : ""; }
    var button = document.createElement("button");
    button.type = "button";
    button.lang = language;
    button.textContent = t("embedOpen") || "Chat about MMD";  /* i18n.js unreachable: English */
    button.setAttribute("aria-expanded", "false");
    button.style.cssText = "position:fixed;right:16px;bottom:16px;z-index:2147483000;padding:12px 18px;" +
      "border:0;border-radius:24px;background:#0b5cad;color:#fff;font:600 16px system-ui,sans-serif;cursor:pointer";
    var frame = document.createElement("iframe");
    frame.title = t("embedFrame") || "MMD assistant chat";
    frame.src = base + "/";
    frame.hidden = true;
    frame.style.cssText = "position:fixed;right:16px;bottom:72px;width:min(400px,calc(100vw - 32px));" +
      "height:min(640px,calc(100vh - 96px));border:1px solid #d5dbe1;border-radius:12px;z-index:2147483000;background:#fff";
    button.addEventListener("click", function () {
      frame.hidden = !frame.hidden;
      button.setAttribute("aria-expanded", String(!frame.hidden));
      if (!frame.hidden) { frame.focus(); }
    });
    document.body.appendChild(frame);
    document.body.appendChild(button);
  }

  if (window.MMD_I18N) { build(); return; }
  var texts = document.createElement("script");
  texts.src = base + "/i18n.js";
  texts.onload = build;
  texts.onerror = build;
  (document.head || document.documentElement).appendChild(texts);
}());
