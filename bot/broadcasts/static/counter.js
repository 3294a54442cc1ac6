// The compose page's live SMS counter, one per language: what an SMS learner's
// phone gets (bot.broadcasts.routing.as_shown), counted by the staff pages'
// sms_count.js with the server's rules. {first_name} is counted with its
// fallback value, as the preview does. For languages whose SMS go accent-free,
// it also says what the accents would cost.
"use strict";
(function () {
  const source = document.getElementById("sms-rules");
  if (!source || !window.lessonbotSms) return;
  const rules = JSON.parse(source.dataset.rules);
  const sms = window.lessonbotSms(rules);

  function withName(text, code) {
    const fallback = document.getElementById("name_fallback_" + code);
    return text.split("{first_name}").join(fallback ? fallback.value : "");
  }

  function show(counter) {
    const box = document.getElementById(counter.dataset.for);
    const code = counter.dataset.for.slice("text_".length);
    const accentFree = counter.dataset.accentFree === "1";
    const text = withName(box.value, code);
    const typed = sms.typedLength(box.value);
    const info = sms.analyse(sms.asSent(text, accentFree));
    counter.dataset.encoding = info.encoding;
    counter.dataset.segments = String(info.segments);
    counter.classList.toggle("over", typed > rules.max);
    let shown = sms.fill(source.dataset.textSms, {
      encoding: info.encoding, segments: info.segments, characters: typed, max: rules.max,
    });
    if (accentFree) {
      const accents = sms.analyse(sms.asSent(text, false));
      counter.dataset.segmentsWithAccents = String(accents.segments);
      if (accents.segments !== info.segments || accents.encoding !== info.encoding) {
        shown += " " + sms.fill(source.dataset.textAccentFree, {
          segments: info.segments, encoding: info.encoding,
          segmentsAccents: accents.segments, encodingAccents: accents.encoding,
        });
      }
    } else if (info.nonGsm.length) {
      shown += " " + sms.fill(source.dataset.textForcing, { chars: info.nonGsm.join(" ") });
    }
    counter.textContent = typed ? shown : "";
  }

  for (const counter of document.querySelectorAll(".sms-counter")) {
    const code = counter.dataset.for.slice("text_".length);
    const update = () => show(counter);
    document.getElementById(counter.dataset.for).addEventListener("input", update);
    const fallback = document.getElementById("name_fallback_" + code);
    if (fallback) fallback.addEventListener("input", update);
    update();
  }
})();
