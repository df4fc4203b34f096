"use strict";
// Django's autocomplete widgets (select2) draw their own combobox and search box, named only by
// the current choice; give each the text of the label of the <select> it stands for, so screen
// readers (and axe) know which field it is, also when nothing is chosen yet.
(function () {
  function labelFor(select) {
    const label = select.id && document.querySelector('label[for="' + select.id + '"]');
    if (!label) {
      return null;
    }
    if (!label.id) {
      label.id = select.id + "-label";
    }
    return label;
  }

  function nameAutocompletes(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      const label = labelFor(select);
      const container = select.nextElementSibling;
      if (!label || !container || !container.classList.contains("select2")) {
        return;
      }
      const name = label.textContent.replace(/:\s*$/, "").trim();
      container.querySelectorAll('[role="combobox"]').forEach(function (box) {
        const rendered = box.querySelector(".select2-selection__rendered");
        const ids = [label.id];
        if (rendered && rendered.id) {
          ids.push(rendered.id);
          // The box that shows the choice is named by it; with no choice yet, say so.
          if (rendered.textContent.trim()) {
            rendered.removeAttribute("aria-label");
          } else {
            rendered.setAttribute("aria-label", name + ": none chosen");
          }
        }
        box.setAttribute("aria-labelledby", ids.join(" "));
      });
      container.querySelectorAll(".select2-search__field").forEach(function (field) {
        field.setAttribute("aria-label", name);
      });
    });
  }

  function nameAll() {
    nameAutocompletes(document);
  }

  window.addEventListener("load", nameAll);
  document.addEventListener("formset:added", function () {
    window.setTimeout(nameAll, 0);
  });
  // select2 redraws a multiple choice's search box after each change.
  document.addEventListener("change", function () {
    window.setTimeout(nameAll, 0);
  });
})();
