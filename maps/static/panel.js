/* gridsvc command map — the side panel: grid card (with its key elements, profile.js),
   point lookup and search. */
(function () {
  "use strict";
  var GridMap = (window.GridMap = window.GridMap || {});
  var t = function (k, a) { return GridMap.i18n.t(k, a); };

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  /* a <dl> of [i18n key, value] rows; values are text (never HTML) */
  function fields(rows) {
    var dl = el("dl", { "class": "gs-fields" });
    rows.forEach(function (row) {
      dl.appendChild(el("dt", { "data-i18n": row[0] }, t(row[0])));
      var dd = el("dd", row[2] ? { "class": row[2] } : {}, row[1]);
      dl.appendChild(dd);
    });
    return dl;
  }

  function area(m2) {
    var i18n = GridMap.i18n;
    return i18n.number(m2 / 1e6, m2 >= 1e6 ? 2 : 3) + " km² · " + i18n.number(Math.round(m2), 0) + " m²";
  }

  GridMap.Panel = function (ctx) {
    var map = ctx.map, names = {}, nameRequests = {};
    var cardBody = document.getElementById("gs-card-body");
    var locateBody = document.getElementById("gs-locate-body");
    var highlight = null, clickMarker = null;
    var state = { card: null, locate: null, selected: null };
    names[ctx.config.district.code] = ctx.config.district.name;

    /* names of streets and communities, for the parent chain of a card */
    ["street", "community"].forEach(function (level) {
      ctx.getJson(ctx.api("/grids/labels", { level: level, district: ctx.config.district.code, limit: 5000 }))
        .then(function (fc) {
          fc.features.forEach(function (f) { names[f.properties.code] = f.properties.name; });
          if (state.card) renderCard();
        }).catch(function () { /* names then come one by one */ });
    });
    function nameOf(code) {
      if (names[code] !== undefined) return Promise.resolve(names[code]);
      if (!nameRequests[code]) {
        nameRequests[code] = ctx.getJson(ctx.api("/grids/" + code))
          .then(function (f) { names[code] = f.properties.name; return names[code]; })
          .catch(function () { return ""; });
      }
      return nameRequests[code];
    }

    function chain(code) {
      var out = [];
      if (code.length > 12) out.push(["card.community", code.slice(0, 12)]);
      if (code.length > 9) out.push(["card.street", code.slice(0, 9)]);
      if (code.length > 6) out.push(["card.district", code.slice(0, 6)]);
      return out;
    }

    function renderCard() {
      var c = state.card;
      cardBody.textContent = "";
      if (!c) { cardBody.appendChild(el("p", { "class": "gs-muted", "data-i18n": "card.empty" }, t("card.empty"))); return; }
      if (c.error) { cardBody.appendChild(el("p", { "class": "gs-error" }, t("card.error", { error: c.error }))); return; }
      if (c.loading) { cardBody.appendChild(el("p", { "class": "gs-muted" }, t("card.loading"))); return; }
      var p = c.feature.properties;
      var rows = [["card.code", p.code, "gs-code"], ["card.name", p.name, "gs-name"],
                  ["card.level", t("level." + p.level)]];
      chain(p.code).forEach(function (r) {
        rows.push([r[0], (names[r[1]] !== undefined ? names[r[1]] + " · " : "") + r[1]]);
      });
      rows.push(["card.area", area(p.area_m2)]);
      if (c.cells) {
        var n = c.cells.interior.length + c.cells.boundary.length;
        rows.push(["card.cells", GridMap.i18n.number(n, 0) + " (" + t("card.cellsDetail", {
          interior: c.cells.interior.length, boundary: c.cells.boundary.length, res: c.cells.resolution
        }) + ")", "gs-cells"]);
      }
      var header = el("div", { "class": "gs-card-head" });
      header.appendChild(el("span", { "class": "gs-badge gs-badge-" + p.level }, t("level." + p.level)));
      header.appendChild(el("strong", {}, p.name));
      cardBody.appendChild(header);
      cardBody.appendChild(fields(rows));
      var zoom = el("button", { type: "button", "class": "gs-btn gs-btn-wide" }, t("card.zoom"));
      zoom.addEventListener("click", function () { fly(); });
      cardBody.appendChild(zoom);
      cardBody.appendChild(GridMap.renderProfile(c.profile));
      chain(p.code).forEach(function (r) {
        if (names[r[1]] === undefined) nameOf(r[1]).then(function () { if (state.card === c) renderCard(); });
      });
    }

    function fly() {
      if (highlight) map.flyToBounds(highlight.getBounds(), { maxZoom: 17, padding: [60, 60], duration: 0.8 });
    }

    function draw(feature) {
      if (highlight) map.removeLayer(highlight);
      highlight = L.geoJSON(feature, {
        pane: "gs-highlight", interactive: false, coordsToLatLng: ctx.datum.coords,
        style: { color: "#ff4081", weight: 3, opacity: 1, fillColor: "#ff4081", fillOpacity: 0.22 }
      }).addTo(map);
    }

    /* select a unit: card, highlight, URL hash; opts.fly zooms to it */
    function select(code, opts) {
      opts = opts || {};
      state.selected = code;
      var c = (state.card = { code: code, loading: true });
      renderCard();
      ctx.onSelect(code);
      var feature = opts.feature ? Promise.resolve(opts.feature) : ctx.getJson(ctx.api("/grids/" + code));
      var cells = code.length === 15
        ? ctx.getJson(ctx.api("/grids/" + code + "/cells")).catch(function () { return null; })
        : Promise.resolve(null);
      c.profile = { loading: true };
      ctx.getJson(ctx.api("/grids/" + code + "/card"))
        .then(function (card) { c.profile = card; }, function (err) { c.profile = { error: err.message }; })
        .then(function () { if (state.card === c && !c.loading) renderCard(); });
      return Promise.all([feature, cells]).then(function (res) {
        if (state.card !== c) return;
        c.loading = false;
        c.feature = res[0];
        c.cells = res[1];
        draw(res[0]);
        renderCard();
        if (opts.fly) fly();
      }).catch(function (err) {
        if (state.card !== c) return;
        c.loading = false;
        c.error = err.message;
        renderCard();
      });
    }

    function clear() {
      state.selected = null;
      state.card = null;
      if (highlight) { map.removeLayer(highlight); highlight = null; }
      renderCard();
      ctx.onSelect(null);
    }

    function renderLocate() {
      var s = state.locate;
      locateBody.textContent = "";
      if (!s) { locateBody.appendChild(el("p", { "class": "gs-muted" }, t("locate.hint"))); return; }
      var coords = s.lat.toFixed(6) + ", " + s.lon.toFixed(6);
      if (s.loading) { locateBody.appendChild(fields([["locate.point", coords]])); return; }
      if (s.error) { locateBody.appendChild(el("p", { "class": "gs-error" }, t("locate.error", { error: s.error }))); return; }
      var r = s.result, rows = [["locate.point", coords]];
      if (!r.inside) {
        locateBody.appendChild(fields(rows));
        locateBody.appendChild(el("p", { "class": "gs-outside", "data-i18n": "locate.outside" }, t("locate.outside")));
        return;
      }
      rows.push(["locate.grid", r.grid_code, "gs-code"]);
      chain(r.grid_code).forEach(function (c) {
        rows.push([c[0], (names[c[1]] !== undefined ? names[c[1]] + " · " : "") + c[1]]);
      });
      if (r.h3) rows.push(["locate.h3", r.h3, "gs-code"]);
      locateBody.appendChild(fields(rows));
    }

    /* clicking anywhere: where is this point? (display datum -> WGS 84 done by the server) */
    function locate(latlng) {
      var wgs = ctx.datum.fromDisplay(latlng);
      var s = (state.locate = { lat: wgs.lat, lon: wgs.lon, loading: true });
      renderLocate();
      if (clickMarker) map.removeLayer(clickMarker);
      clickMarker = L.circleMarker(latlng, {
        pane: "gs-highlight", radius: 6, color: "#ffffff", weight: 2, fillColor: "#ff4081", fillOpacity: 1,
        interactive: false
      }).addTo(map);
      var url = ctx.api("/locate", {
        lon: latlng.lng.toFixed(7), lat: latlng.lat.toFixed(7), crs: ctx.datum.crsParam
      });
      return ctx.getJson(url).then(function (r) {
        if (state.locate !== s) return;
        s.loading = false;
        s.result = r;
        renderLocate();
        if (r.inside && r.grid_code) select(r.grid_code); else clear();
      }).catch(function (err) {
        if (state.locate !== s) return;
        s.loading = false;
        s.error = err.message;
        renderLocate();
      });
    }

    /* search by code prefix or name */
    var input = document.getElementById("gs-search");
    var list = document.getElementById("gs-search-results");
    var timer = null, active = -1, results = [], searchSeq = 0;
    function showResults(features, error) {
      results = features;
      active = features.length ? 0 : -1;
      list.textContent = "";
      if (error || !features.length) {
        list.appendChild(el("li", { "class": "gs-muted" }, error ? t("search.error") : t("search.none")));
      }
      features.forEach(function (f, i) {
        var p = f.properties;
        var li = el("li", { role: "option", "data-code": p.code, "class": i === 0 ? "gs-active" : "" });
        li.appendChild(el("span", { "class": "gs-badge gs-badge-" + p.level }, t("level." + p.level)));
        li.appendChild(el("b", {}, p.name));
        li.appendChild(el("span", { "class": "gs-code" }, p.code));
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      list.hidden = false;
    }
    function choose(i) {
      var f = results[i];
      if (!f) return;
      list.hidden = true;
      input.value = f.properties.name + " " + f.properties.code;
      select(f.properties.code, { fly: true, feature: f });
    }
    function search() {
      var q = input.value.trim(), seq = ++searchSeq;
      if (!q) { list.hidden = true; return; }
      ctx.getJson(ctx.api("/grids", { q: q, limit: 10, district: ctx.config.district.code }))
        .then(function (fc) { if (seq === searchSeq) showResults(fc.features || []); })
        .catch(function () { if (seq === searchSeq) showResults([], true); });
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(search, 220); });
    input.addEventListener("focus", function () { if (input.value.trim() && results.length) list.hidden = false; });
    input.addEventListener("blur", function () { setTimeout(function () { list.hidden = true; }, 150); });
    input.addEventListener("keydown", function (e) {
      var items = list.querySelectorAll("li[role=option]");
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        if (!items.length) return;
        active = (active + (e.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
        items.forEach(function (li, i) { li.classList.toggle("gs-active", i === active); });
      } else if (e.key === "Enter") {
        e.preventDefault();
        clearTimeout(timer);
        if (results.length && !list.hidden) choose(Math.max(active, 0)); else search();
      } else if (e.key === "Escape") {
        list.hidden = true;
      }
    });

    GridMap.i18n.onChange(function () { renderCard(); renderLocate(); });
    renderCard();
    renderLocate();
    return { select: select, clear: clear, locate: locate, state: state };
  };
})();
