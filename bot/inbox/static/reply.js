// The reply box's live counter and saved replies. The rules come from the
// server (bot.inbox.counter.browser_rules, from bot.text.sms): no table here.
"use strict";
(function () {
  const box = document.getElementById("reply");
  const counter = document.getElementById("counter");
  if (!box || !counter) return;
  const rules = JSON.parse(box.dataset.rules);
  const basic = new Set(rules.basic);
  const extension = new Set(rules.extension);
  const space = new Set(rules.whitespace);
  const breaks = new Set(rules.lineBreaks);
  const forcing = document.getElementById("forcing");

  // Python's str.strip() / rstrip() on code points.
  function strip(chars, left) {
    let start = 0, end = chars.length;
    if (left) while (start < end && space.has(chars[start])) start++;
    while (end > start && space.has(chars[end - 1])) end--;
    return chars.slice(start, end);
  }

  // Python's str.splitlines(): "\r\n" is one break; no empty last line.
  function splitLines(chars) {
    const lines = [];
    let line = [];
    for (let i = 0; i < chars.length; i++) {
      const c = chars[i];
      if (breaks.has(c)) {
        lines.push(line);
        line = [];
        if (c === "\r" && chars[i + 1] === "\n") i++;
      } else line.push(c);
    }
    if (line.length) lines.push(line);
    return lines;
  }

  // bot.text.render for one plain text: SMS drops blank lines and trailing spaces.
  function asSent(text) {
    const body = strip(Array.from(text), true);
    if (rules.channel !== "sms") return body;
    const out = [];
    for (const line of splitLines(body)) {
      if (strip(line, true).length) out.push(strip(line, false).join(""));
    }
    let joined = out.join("\n");
    if (rules.accentFree) {
      joined = Array.from(joined.normalize("NFC"))
        .map((c) => (c in rules.replacements ? rules.replacements[c] : c))
        .join("");
    }
    return Array.from(joined);
  }

  // bot.text.sms.analyse.
  function analyse(chars) {
    const nonGsm = [...new Set(chars.filter((c) => !basic.has(c) && !extension.has(c)))];
    const encoding = nonGsm.length ? "UCS-2" : "GSM-7";
    const sizes = chars.map((c) =>
      encoding === "GSM-7" ? (extension.has(c) ? 2 : 1) : c.codePointAt(0) > 0xffff ? 2 : 1
    );
    const units = sizes.reduce((a, b) => a + b, 0);
    let segments = 0;
    if (sizes.length) {
      if (units <= rules.single[encoding]) segments = 1;
      else {
        let used = 0;
        segments = 1;
        for (const size of sizes) {
          if (used + size > rules.multipart[encoding]) {
            segments++;
            used = 0;
          }
          used += size;
        }
      }
    }
    return { encoding, units, segments, nonGsm };
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (_, name) => String(values[name]));
  }

  function update() {
    const typed = strip(Array.from(box.value), true).length;
    const sent = asSent(box.value);
    counter.classList.toggle("over", typed > rules.max);
    if (rules.channel !== "sms") {
      counter.textContent = fill(counter.dataset.textWhatsapp, { characters: typed, max: rules.max });
      return;
    }
    const info = analyse(sent);
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
