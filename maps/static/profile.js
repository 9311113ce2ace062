/* gridsvc command map — a unit's key elements in the side panel, from
   GET /api/v1/grids/{code}/card: households, residents by registration and care tag, places
   by kind, components by class and status, organisations and party members, staff on duty,
   open situations, and (when the card has it) the camera summary: cameras by department and
   status, and the coverage share (any key ending in "share" shows as a percentage). Sections and labels follow the card's keys (known keys are translated,
   others shown as they come), so a field added to the card shows without a change here.
   Every value cell carries data-path="section.key…" (used by the browser test). */
(function () {
  "use strict";
  var GridMap = (window.GridMap = window.GridMap || {});
  var t = function (k, a) { return GridMap.i18n.t(k, a); };
  /* keys that are not counts: the card's identity and bookkeeping */
  var SKIP = { code: 1, name: 1, level: 1, adcode: 1, district: 1, parent_code: 1, as_of: 1,
               generated_at: 1, links: 1, scope: 1 };
  /* fields of a listed record (a staff member) not worth a line */
  var SKIP_ITEM = { id: 1, element_id: 1, grid_code: 1, external_id: 1 };
  var ORDER = ["households", "residents", "people", "places", "components", "things", "organisations",
               "party", "staff", "staff_on_duty", "situations", "cameras", "coverage"];

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function has(key) { return GridMap.i18n.t(key) !== key; }
  /* a key of the card (section or field) */
  function keyLabel(k) { return has("profile." + k) ? t("profile." + k) : k.replace(/_/g, " "); }
  /* a value used as a key of a breakdown (kind, registration, tag, status, role, level) */
  function valueLabel(k) {
    if (has("value." + k)) return t("value." + k);
    if (has("tag." + k)) return t("tag." + k);
    if (has("kind." + k)) return t("kind." + k);
    return k;
  }
  function number(v) { return GridMap.i18n.number(v, 0); }
  /* a share (0–1) of the camera summary, e.g. coverage_share, as a percentage */
  function isShare(key, v) { return /(^|_)share$/.test(key) && typeof v === "number" && v >= 0 && v <= 1; }
  function percent(v) { return GridMap.i18n.number(v * 100, 1) + "%"; }
  function isCount(v) { return typeof v === "number"; }

  /* rows of a breakdown object: {key: count | {…}} */
  function rows(dl, obj, path, byValue) {
    Object.keys(obj).forEach(function (k) {
      var v = obj[k], p = path + "." + k;
      if (v === null || v === undefined) return;
      var label = byValue ? valueLabel(k) : keyLabel(k);
      if (isCount(v) || typeof v === "string") {
        dl.appendChild(el("dt", {}, label));
        dl.appendChild(el("dd", { "data-path": p }, isShare(k, v) ? percent(v) : isCount(v) ? number(v) : v));
      } else if (Array.isArray(v)) {
        dl.appendChild(el("dt", {}, label));
        dl.appendChild(list(v, p));
      } else if (typeof v === "object") {
        var sub = el("dl", { "class": "gs-fields gs-sub" });
        rows(sub, v, p, byValue || /(^|_)by_/.test(k));
        if (!sub.childNodes.length) return;
        dl.appendChild(el("dt", { "class": "gs-sub-head" }, label));
        var dd = el("dd", { "data-path": p });
        dd.appendChild(sub);
        dl.appendChild(dd);
      }
    });
  }
  /* a list of records (staff on duty, situations): one line each */
  function list(items, path) {
    var dd = el("dd", { "data-path": path, "data-count": String(items.length) });
    if (!items.length) { dd.textContent = "—"; return dd; }
    var ul = el("ul", { "class": "gs-list" });
    items.forEach(function (item) {
      if (item === null || typeof item !== "object") { ul.appendChild(el("li", {}, String(item))); return; }
      var parts = Object.keys(item)
        .filter(function (k) { return !SKIP_ITEM[k] && item[k] !== null && item[k] !== ""; })
        .map(function (k) {
          var v = item[k];
          if (Array.isArray(v)) return v.map(valueLabel).join("、");
          return typeof v === "string" && /^[a-z_]+$/.test(v) ? valueLabel(v) : String(v);
        });
      ul.appendChild(el("li", {}, parts.join(" · ")));
    });
    dd.appendChild(ul);
    return dd;
  }

  /* the profile of a card response as a DOM node (or a note when there is none) */
  GridMap.renderProfile = function (card) {
    var box = el("div", { "class": "gs-profile" });
    box.appendChild(el("h3", {}, t("profile.title")));
    if (!card || card.loading) { box.appendChild(el("p", { "class": "gs-muted" }, t("card.loading"))); return box; }
    if (card.error) { box.appendChild(el("p", { "class": "gs-muted" }, t("profile.none"))); return box; }
    var keys = Object.keys(card).filter(function (k) { return !SKIP[k]; });
    keys.sort(function (a, b) {
      var ia = ORDER.indexOf(a), ib = ORDER.indexOf(b);
      return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
    });
    keys.forEach(function (k) {
      var v = card[k], section = el("section", { "class": "gs-profile-section", "data-section": k });
      var dl = el("dl", { "class": "gs-fields" });
      if (isCount(v) || Array.isArray(v)) {
        var one = {};
        one[k] = v;
        rows(dl, one, "");
      } else if (v && typeof v === "object") {
        section.appendChild(el("h4", {}, keyLabel(k)));
        rows(dl, v, k, false);
      }
      if (dl.childNodes.length) { section.appendChild(dl); box.appendChild(section); }
    });
    box.querySelectorAll("[data-path]").forEach(function (n) {
      n.setAttribute("data-path", n.getAttribute("data-path").replace(/^\./, ""));
    });
    return box;
  };
})();
