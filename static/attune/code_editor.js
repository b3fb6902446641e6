// Line numbers for the admin's code textareas (class "attune-code"): a gutter that follows the
// text and its scrolling, so the "line N, column M" of an error can be found.
"use strict";
document.querySelectorAll("textarea.attune-code").forEach((area) => {
  const wrap = document.createElement("div");
  wrap.className = "attune-code-wrap";
  const gutter = document.createElement("pre");
  gutter.className = "attune-code-gutter";
  gutter.setAttribute("aria-hidden", "true");
  area.parentNode.insertBefore(wrap, area);
  wrap.append(gutter, area);
  const style = getComputedStyle(area);
  gutter.style.fontSize = style.fontSize;
  gutter.style.lineHeight = style.lineHeight;
  const render = () => {
    const count = area.value.split("\n").length;
    gutter.textContent = Array.from({ length: count }, (_, i) => i + 1).join("\n");
    gutter.scrollTop = area.scrollTop;
  };
  area.addEventListener("input", render);
  area.addEventListener("scroll", () => { gutter.scrollTop = area.scrollTop; });
  render();
});
