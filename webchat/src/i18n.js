/* mmd-assistant web chat: every text the chat itself shows (not the assistant's replies),
 * in English and Bahasa Indonesia. Loaded before chat.js by index.html and by embed.js.
 * "{name}" in a text is filled from the values given to MMD_I18N.t(language, key, values); a
 * number is written the language's way (2,000 in English, 2.000 in Bahasa Indonesia). */
(function () {
  "use strict";
  var TEXTS = {
    en: {
      title: "MMD assistant",
      connecting: "Connecting…",
      online: "Online",
      reconnecting: "Reconnecting…",
      unreachable: "Can't reach the assistant, retrying…",
      talkToHuman: "Talk to a human",
      language: "Language",
      conversation: "Conversation",
      typing: "The assistant is typing",
      messageLabel: "Your message",
      placeholder: "Ask about MMD or describe what you noticed",
      send: "Send",
      disclaimer: "This assistant shares information about Movement Mirror Disorder. " +
        "It cannot diagnose. If this is an emergency, call your local emergency number now.",
      assistantSays: "Assistant: {text}",
      emergency: "Emergency",
      call: "Call {number}",
      suggestedReplies: "Suggested replies",
      feedbackGroup: "Was this answer helpful?",
      feedbackQuestion: "Was this helpful?",
      helpful: "Helpful",
      notHelpful: "Not helpful",
      feedbackThanks: "Thanks for the feedback",
      feedbackLater: "Sorry, your feedback couldn't be saved just now. Please try again in a moment.",
      feedbackRefused: "Sorry, your feedback couldn't be saved.",
      longMessage: "Your message is over {limit} characters. The assistant reads a long message only in part, " +
        "so it's better to send several shorter ones.",
      messageCeiling: "Your message reached the maximum of {max} characters, so the rest was not added. " +
        "Please send it in several shorter messages.",
      embedOpen: "Chat about MMD",
      embedFrame: "MMD assistant chat"
    },
    id: {
      title: "Asisten MMD",
      connecting: "Menghubungkan…",
      online: "Terhubung",
      reconnecting: "Menghubungkan kembali…",
      unreachable: "Asisten tidak dapat dihubungi, mencoba lagi…",
      talkToHuman: "Bicara dengan petugas",
      language: "Bahasa",
      conversation: "Percakapan",
      typing: "Asisten sedang mengetik",
      messageLabel: "Pesan Anda",
      placeholder: "Tanyakan tentang MMD atau ceritakan apa yang Anda perhatikan",
      send: "Kirim",
      disclaimer: "Asisten ini memberikan informasi tentang Movement Mirror Disorder (gangguan gerakan cermin). " +
        "Asisten ini tidak dapat mendiagnosis. Jika ini keadaan darurat, segera hubungi nomor darurat setempat.",
      assistantSays: "Asisten: {text}",
      emergency: "Darurat",
      call: "Telepon {number}",
      suggestedReplies: "Pilihan balasan",
      feedbackGroup: "Apakah jawaban ini membantu?",
      feedbackQuestion: "Apakah ini membantu?",
      helpful: "Membantu",
      notHelpful: "Tidak membantu",
      feedbackThanks: "Terima kasih atas masukan Anda",
      feedbackLater: "Maaf, masukan Anda belum dapat disimpan saat ini. Silakan coba lagi sebentar lagi.",
      feedbackRefused: "Maaf, masukan Anda tidak dapat disimpan.",
      longMessage: "Pesan Anda lebih dari {limit} karakter. Asisten hanya membaca sebagian dari pesan yang panjang, " +
        "jadi sebaiknya kirim beberapa pesan yang lebih pendek.",
      messageCeiling: "Pesan Anda sudah mencapai batas {max} karakter, jadi sisanya tidak ditambahkan. " +
        "Mohon kirim dalam beberapa pesan yang lebih pendek.",
      embedOpen: "Tanya tentang MMD",
      embedFrame: "Obrolan asisten MMD"
    }
  };
  /* The switch: each language under its own name, in the order shown ("EN | ID"). */
  var LANGUAGES = [
    { code: "en", short: "EN", name: "English" },
    { code: "id", short: "ID", name: "Bahasa Indonesia" }
  ];
  var FALLBACK = "en";
  /* Thousands separators (as the assistant's own "too long" reply writes its limit). */
  var THOUSANDS = { en: ",", id: "." };

  /* The language of a BCP 47 tag: id / id-ID (and the old "in") and ms (Malay) read
     Bahasa Indonesia; en-*; anything else none. */
  function supported(tag) {
    var base = String(tag || "").toLowerCase().split(/[-_]/)[0];
    if (base === "id" || base === "in" || base === "ms") { return "id"; }
    if (base === "en") { return "en"; }
    return null;
  }

  /* The first of the browser's preferred languages that the chat speaks, else English. */
  function fromBrowser(nav) {
    nav = nav || window.navigator || {};
    var tags = (nav.languages && nav.languages.length) ? nav.languages : [nav.language];
    for (var i = 0; i < tags.length; i += 1) {
      var language = supported(tags[i]);
      if (language) { return language; }
    }
    return FALLBACK;
  }

  function formatNumber(language, number) {
    var separator = THOUSANDS[language] || THOUSANDS[FALLBACK];
    return String(number).replace(/\B(?=(\d{3})+(?!\d))/g, separator);
  }

  function t(language, key, values) {
    var table = TEXTS[language] || TEXTS[FALLBACK];
    var text = Object.prototype.hasOwnProperty.call(table, key) ? table[key] : TEXTS[FALLBACK][key];
    if (text === undefined) { return key; }
    return text.replace(/\{(\w+)\}/g, function (whole, name) {
      if (!values || !Object.prototype.hasOwnProperty.call(values, name)) { return whole; }
      var value = values[name];
      return typeof value === "number" ? formatNumber(language, value) : String(value);
    });
  }

  window.MMD_I18N = {
    languages: LANGUAGES,
    fallback: FALLBACK,
    isLanguage: function (code) { return Object.prototype.hasOwnProperty.call(TEXTS, code); },
    fromBrowser: fromBrowser,
    t: t
  };
}());
