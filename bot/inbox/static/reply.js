// The reply box's live counter and saved replies. The counting is the staff
// pages' sms_count.js, with the rules from bot.inbox.counter.browser_rules.
"use strict";
(function () {
  const box = document.getElementById("reply");
  const counter = document.getElementById("counter");
  if (!box || !counter) return;
  const rules = JSON.parse(box.dataset.rules);
  const sms = window.lessonbotSms(rules);
  const forcing = document.getElementById("forcing");
  const fill = sms.fill;

  function update() {
    const typed = sms.typedLength(box.value);
    const sent = sms.asSent(box.value, rules.accentFree);
    counter.classList.toggle("over", typed > rules.max);
    if (rules.channel !== "sms") {
      counter.textContent = fill(counter.dataset.textWhatsapp, { characters: typed, max: rules.max });
      return;
    }
    const info = sms.analyse(sent);
    counter.dataset.encoding = info.encoding;
    counter.dataset.segments = String(info.segments);
    counter.dataset.units = String(info.units);
    counter.textContent = fill(counter.dataset.textSms, {
      encoding: info.encoding,
      segments: info.segments,
      characters: typed,
      max: rules.max,
    });
    if (forcing) {
      forcing.textContent = info.nonGsm.length
        ? fill(counter.dataset.textForcing, { chars: info.nonGsm.join(" ") })
        : "";
    }
  }

  for (const link of document.querySelectorAll("[data-insert]")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      if (box.disabled) return;
      const start = box.selectionStart ?? box.value.length;
      const end = box.selectionEnd ?? box.value.length;
      box.setRangeText(link.dataset.insert, start, end, "end");
      box.focus();
      update();
    });
  }
  box.addEventListener("input", update);
  update();
})();
