/* gridsvc command map — start-up: config, basemap, layers and their control, URL hash,
   clicks, language switch, status bar and the readiness signal for tests and benchmarks
   (document.body.dataset.gridLayer = "ready" once grid-level tiles have loaded). */
(function () {
  "use strict";
  var GridMap = window.GridMap;
  var i18n = GridMap.i18n, t = GridMap.t;
  var config = JSON.parse(document.getElementById("gridsvc-config").textContent);
  var map = window[config.mapName];
  GridMap.config = config;
  GridMap.map = map;
  GridMap.timings = { start: performance.now() };

  /* Leaflet >= 1.8 dropped L.DomEvent.fakeStop, which VectorGrid 1.3.0 calls on clicks of
     interactive layers; ours are not interactive, but keep any future one from breaking. */
  if (!L.DomEvent.fakeStop) L.DomEvent.fakeStop = L.DomEvent.stop;

  /* the map's own zoom range (else Leaflet narrows it to the layers' ranges) */
  map.options.minZoom = 3;
  map.options.maxZoom = 19;
  i18n.init(config.locale);
  i18n.apply(document);
  Object.keys(GridMap.PANES).forEach(function (name) {
    map.createPane(name).style.zIndex = GridMap.PANES[name];
  });
  map.getPane("gs-labels").style.pointerEvents = "none";
  L.control.scale({ imperial: false, position: "bottomleft" }).addTo(map);

  var datum = GridMap.makeDatum(config.shift);
  var query = function (params) {
    var q = new URLSearchParams();
    Object.keys(params || {}).forEach(function (k) {
      if (params[k] !== null && params[k] !== undefined) q.set(k, params[k]);
    });
    var s = q.toString();
    return s ? "?" + s : "";
  };
  var ctx = {
    config: config, map: map, datum: datum,
    api: function (path, params) { return config.api + path + query(params); },
    tileUrl: function (def) {
      var params = L.extend({}, config.tiles.params, def.params || {});
      return config.tiles.url.replace("{layer}", def.source) + query(params);
    },
    getJson: function (url) {
      return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) {
          if (r.status === 401) {
            var here = window.location.pathname + window.location.search;
            window.location.assign("/login?next=" + encodeURIComponent(here));
          }
          if (r.ok) return r.json();
          return r.json().catch(function () { return {}; }).then(function (body) {
            throw new Error(body.detail || "HTTP " + r.status);
          });
        });
    },
    onSelect: function (code) { selected = code; writeHash(); }
  };
  GridMap.ctx = ctx;
  var selected = config.grid || null;
  var panel = GridMap.Panel(ctx);
  GridMap.panel = panel;
  var cameraCard = GridMap.cameraCard ? GridMap.cameraCard(ctx) : null;
  GridMap.cameraCardPanel = cameraCard;

  /* header */
  document.getElementById("gs-district").textContent = config.district.name + " · " + config.district.code;
  var roleEl = document.getElementById("gs-role");
  var langBtn = document.getElementById("gs-lang");
  function header() {
    roleEl.textContent = t("role." + config.user.role);
    langBtn.textContent = t("app.lang");
    langBtn.title = t("app.langTitle");
    document.title = t("app.title") + " · " + config.district.name;
    if (map.zoomControl) {
      [[map.zoomControl._zoomInButton, "zoom.in"], [map.zoomControl._zoomOutButton, "zoom.out"]]
        .forEach(function (b) { b[0].title = t(b[1]); b[0].setAttribute("aria-label", t(b[1])); });
    }
  }
  langBtn.addEventListener("click", function () { i18n.set(i18n.locale === "en" ? "zh-CN" : "en"); });

  /* basemap: the configured one and "none" (a clean dark background) */
  var bases = [];
  if (config.basemap.tiles.length) {
    var tiles = config.basemap.tiles.map(function (s) {
      return L.tileLayer(s.url, { subdomains: s.subdomains || "abc", maxZoom: 19, maxNativeZoom: s.maxZoom,
                                  attribution: s.attribution, className: "gs-basemap-tiles" });
    });
    bases.push({ key: "basemap." + config.basemap.kind, layer: L.layerGroup(tiles) });
  }
  bases.push({ key: "basemap.none", layer: L.layerGroup() });
  bases[0].layer.addTo(map);
  document.body.classList.toggle("gs-basemap-none", config.basemap.kind === "none");
  map.on("baselayerchange", function (e) {
    document.body.classList.toggle("gs-basemap-none", e.layer === bases[bases.length - 1].layer);
  });

  /* the first view (before any layer is added, so no tile is fetched twice): from the
     hash, else the district (or the grid page's grid and its neighbours) */
  var hash = parseHash();
  var b = config.view.bounds;
  if (hash && hash.zoom !== undefined) {
    map.setView(datum.toDisplay(hash.lat, hash.lon), hash.zoom, { animate: false });
  } else {
    map.fitBounds(L.latLngBounds(datum.toDisplay(b[0][0], b[0][1]), datum.toDisplay(b[1][0], b[1][1])),
                  { animate: false, padding: [16, 16] });
  }

  /* status bar: zoom, level drawn, cursor position (WGS 84), tile loading */
  var statusEl = document.getElementById("gs-status"), cursor = null;
  function levelAt(z) {
    var order = [["grids", "level.grid"], ["communities", "level.community"], ["streets", "level.street"]];
    for (var i = 0; i < order.length; i++) {
      var d = layers[order[i][0]] && layers[order[i][0]].gsDef;
      if (d && (d.min_zoom === null || z >= d.min_zoom) && (d.max_zoom === null || z <= d.max_zoom)) return t(order[i][1]);
    }
    return t("level.district");
  }
  function status() {
    var z = map.getZoom(), parts = [t("status.zoom", { z: z }), t("status.level", { level: levelAt(z) })];
    if (cursor) parts.push(t("status.cursor", { lat: cursor.lat.toFixed(6), lon: cursor.lon.toFixed(6) }));
    var busy = Object.keys(loading).length > 0;
    parts.push(busy ? t("status.tiles") : t("status.ready"));
    document.body.dataset.tiles = busy ? "loading" : "ready";
    if (!busy && !GridMap.timings.tilesReady && GridMap.timings.tilesSeen) GridMap.timings.tilesReady = performance.now();
    statusEl.textContent = parts.join("   ·   ");
  }
  map.on("mousemove", function (e) { cursor = datum.fromDisplay(e.latlng); status(); });

  /* overlays from the config's layer definitions */
  var defs = config.layers, layers = {}, loading = {};
  defs.forEach(function (def) {
    var factory = GridMap.layerTypes[def.type];
    if (!factory) { console.warn("gridsvc: no layer type '" + def.type + "' for " + def.id); return; }
    var layer = factory(def, ctx);
    layer.gsDef = def;
    layers[def.id] = layer;
    var tilesOf = layer.gsTiles;
    if (tilesOf) {
      tilesOf.on("loading", function () {
        loading[def.id] = true;
        if (def.id === "grids") document.body.dataset.gridLayer = "loading";
        status();
      });
      tilesOf.on("load", function () {
        delete loading[def.id];
        GridMap.timings.tilesSeen = true;
        status();
        if (def.id === "grids") gridReady();
      });
    }
    var on = hash && hash.layers ? hash.layers.indexOf(def.id) >= 0 : def.visible;
    if (on) layer.addTo(map);
  });

  function gridReady() {
    var d = layers.grids && layers.grids.gsDef, z = map.getZoom();
    if (!d || (d.min_zoom !== null && z < d.min_zoom)) return;
    if (!GridMap.timings.gridReady) GridMap.timings.gridReady = performance.now();
    document.body.dataset.gridLayer = "ready";
  }

  /* the layer control, with a heading per group, re-labelled when the language changes */
  var Grouped = L.Control.Layers.extend({
    _update: function () {
      L.Control.Layers.prototype._update.call(this);
      var seen = {}, self = this;
      this._layerControlInputs.forEach(function (input) {
        var obj = self._getLayer(input.layerId);
        var group = obj.overlay ? obj.layer.gsDef.group : "basemap";
        if (seen[group]) return;
        seen[group] = true;
        var head = L.DomUtil.create("div", "gs-layer-group");
        head.textContent = t("group." + group);
        var label = input.closest("label");
        label.parentNode.insertBefore(head, label);
      });
      this._separator.style.display = "none";
    },
    /* layers outside their zoom range stay selectable, only dimmed (Leaflet disables them) */
    _checkDisabledLayers: function () {
      var z = this._map.getZoom(), self = this;
      this._layerControlInputs.forEach(function (input) {
        var d = self._getLayer(input.layerId).layer.gsDef;
        var out = d && ((d.min_zoom !== null && z < d.min_zoom) || (d.max_zoom !== null && z > d.max_zoom));
        input.closest("label").classList.toggle("gs-out-of-zoom", !!out);
      });
    }
  });
  var control = new Grouped({}, {}, { collapsed: false, position: "topleft", sortLayers: false }).addTo(map);
  document.getElementById("gs-layers-body").appendChild(control.getContainer());
  bases.forEach(function (b) { b.layer.gsKey = b.key; control.addBaseLayer(b.layer, t(b.key)); });
  defs.forEach(function (def) {
    if (layers[def.id]) control.addOverlay(layers[def.id], t(def.title, def.title_args));
  });
  function relabel() {
    control._layers.forEach(function (obj) {
      obj.name = obj.overlay ? t(obj.layer.gsDef.title, obj.layer.gsDef.title_args) : t(obj.layer.gsKey);
    });
    control._update();
  }

  /* legend: boundaries always, plus one block per active layer that has a legend */
  function legend() {
    var html = GridMap.legends.boundaries(), shown = {};
    defs.forEach(function (def) {
      if (def.legend && !shown[def.legend] && layers[def.id] && map.hasLayer(layers[def.id])) {
        shown[def.legend] = true;
        html += GridMap.legends[def.legend] ? GridMap.legends[def.legend](ctx) : "";
      }
    });
    document.getElementById("gs-legend-body").innerHTML = html;
  }

  /* the kinds of the element layers on the map (for their legend) */
  ctx.shownKinds = function () {
    return defs.filter(function (d) { return d.type === "elements" && layers[d.id] && map.hasLayer(layers[d.id]); })
      .map(function (d) { return d.params.kind; });
  };
  /* the heat layer's tag or kind is chosen in its legend */
  document.getElementById("gs-legend-body").addEventListener("change", function (e) {
    if (e.target && e.target.id === "gs-heat-choice" && GridMap.heat) GridMap.heat.gsChoose(e.target.value);
  });

  /* URL hash: #z/lat/lon&layers=a,b&grid=CODE (lat/lon in WGS 84) */
  function parseHash() {
    var h = window.location.hash.replace(/^#/, "");
    if (!h) return null;
    var parts = h.split("&"), view = parts[0].split("/"), out = {};
    if (view.length === 3 && view.every(function (v) { return v !== "" && !isNaN(Number(v)); })) {
      out.zoom = Number(view[0]); out.lat = Number(view[1]); out.lon = Number(view[2]);
    }
    parts.slice(1).forEach(function (p) {
      var kv = p.split("=");
      if (kv[0] === "layers") out.layers = kv[1] ? decodeURIComponent(kv[1]).split(",") : [];
      if (kv[0] === "grid" && /^\d{6,15}$/.test(kv[1] || "")) out.grid = kv[1];
    });
    return out;
  }
  var written = null, hashTimer = null;
  function writeHash() {
    clearTimeout(hashTimer);
    hashTimer = setTimeout(function () {
      var c = datum.fromDisplay(map.getCenter()), z = map.getZoom();
      var digits = Math.max(4, Math.ceil(Math.log(Math.pow(2, z)) / Math.LN10) + 1);
      var active = defs.filter(function (d) { return layers[d.id] && map.hasLayer(layers[d.id]); })
        .map(function (d) { return d.id; });
      written = "#" + z + "/" + c.lat.toFixed(digits) + "/" + c.lon.toFixed(digits) +
        "&layers=" + active.join(",") + (selected ? "&grid=" + selected : "");
      if (window.location.hash !== written) window.history.replaceState(null, "", written);
    }, 120);
  }
  function applyHash(h) {
    if (h.layers) {
      defs.forEach(function (d) {
        var layer = layers[d.id], on = h.layers.indexOf(d.id) >= 0;
        if (layer && on && !map.hasLayer(layer)) map.addLayer(layer);
        if (layer && !on && map.hasLayer(layer)) map.removeLayer(layer);
      });
    }
    if (h.zoom !== undefined) map.setView(datum.toDisplay(h.lat, h.lon), h.zoom, { animate: false });
    if (h.grid && h.grid !== selected) panel.select(h.grid, { fly: h.zoom === undefined });
  }
  window.addEventListener("hashchange", function () {
    if (window.location.hash === written) return;
    var h = parseHash();
    if (h) applyHash(h);
  });

  var initial = (hash && hash.grid) || config.grid;
  if (initial) panel.select(initial, { fly: false });

  map.on("click", function (e) {
    if (cameraCard && cameraCard.click(e.latlng)) return; /* a camera: its card, not the grid */
    panel.locate(e.latlng);
  });
  map.on("moveend", function () { writeHash(); status(); });
  map.on("overlayadd overlayremove", function () { writeHash(); legend(); });
  i18n.onChange(function () { header(); relabel(); legend(); status(); });
  header();
  legend();
  status();
  writeHash();
})();
