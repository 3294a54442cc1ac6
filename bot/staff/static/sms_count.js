// The SMS counter shared by the inbox's reply box and the broadcast compose page.
// The rules come from the server (bot.text.sms_rules.browser_rules, from
// bot.text.sms): no table here. lessonbotSms(rules) gives asSent and analyse.
"use strict";
window.lessonbotSms = function (rules) {
  const basic = new Set(rules.basic);
  const extension = new Set(rules.extension);
  const space = new Set(rules.whitespace);
  const breaks = new Set(rules.lineBreaks);

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

  // The typed length the server's limit counts (stripped, in code points).
  function typedLength(text) {
    return strip(Array.from(text), true).length;
  }

  // bot.text.render for one plain text: SMS drops blank lines and trailing spaces.
  function asSent(text, accentFree) {
    const body = strip(Array.from(text), true);
    if (rules.channel !== "sms") return body;
    const out = [];
    for (const line of splitLines(body)) {
      if (strip(line, true).length) out.push(strip(line, false).join(""));
    }
    let joined = out.join("\n");
    if (accentFree) {
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

  return { asSent, analyse, typedLength, fill };
};
