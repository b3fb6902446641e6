// Line numbers for the admin's code textareas (class "attune-code"): a gutter that follows the
// text and its scrolling, so the "line N, column M" of an error can be found. The line an
// error of the field names is marked in the gutter, and the caret is put there.
"use strict";
(() => {
  const LOCATED = /line (\d+), column (\d+)/;

  function errorLocation(area) {
    const row = area.closest(".form-row");
    const errors = row && row.querySelector(".errorlist");
    const match = errors && LOCATED.exec(errors.textContent);
    return match ? { line: Number(match[1]), column: Number(match[2]) } : null;
  }

  function caretAt(area, line, column) {
    const lines = area.value.split("\n");
    let offset = 0;
    for (let i = 0; i < Math.min(line - 1, lines.length); i += 1) offset += lines[i].length + 1;
    offset += Math.max(0, column - 1);
    area.setSelectionRange(offset, offset);
  }

  function attach(area) {
    const wrap = document.createElement("div");
    wrap.className = "attune-code-wrap";
    const gutter = document.createElement("pre");
    gutter.className = "attune-code-gutter";
    gutter.setAttribute("aria-hidden", "true");
    area.parentNode.insertBefore(wrap, area);
    wrap.append(gutter, area);
    const style = getComputedStyle(area);
    for (const name of ["fontSize", "lineHeight", "paddingTop", "paddingBottom"]) gutter.style[name] = style[name];
    const located = errorLocation(area);
    const render = () => {
      const count = area.value.split("\n").length;
      gutter.replaceChildren(
        ...Array.from({ length: count }, (_, i) => {
          const number = document.createElement("span");
          number.textContent = `${i + 1}\n`;
          if (located && located.line === i + 1) number.className = "attune-code-error-line";
          return number;
        })
      );
      gutter.scrollTop = area.scrollTop;
    };
    area.addEventListener("input", render);
    area.addEventListener("scroll", () => {
      gutter.scrollTop = area.scrollTop;
    });
    render();
    if (located) caretAt(area, located.line, located.column);
  }

  document.querySelectorAll("textarea.attune-code").forEach(attach);
})();
