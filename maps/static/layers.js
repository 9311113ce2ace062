/* gridsvc command map — layer registry: styles, layer types, labels and legends.

   A layer is a definition from the page config (maps/render.py LayerDef): {id, type, title,
   group, source, params, style, min_zoom, max_zoom, visible, labels, legend, title_args}.
   `type` names a factory registered here; a later feature (people, cameras, cases) adds its
   definition on the server and, for a new kind of drawing, a factory:
     GridMap.registerLayerType("cameras", function (def, ctx) { return L.layerGroup(); });
   Styles and legends are looked up by key the same way (GridMap.styles, GridMap.legends). */
(function () {
  "use strict";
  var GridMap = (window.GridMap = window.GridMap || {});
  var t = function (k, a) { return GridMap.i18n.t(k, a); };

  GridMap.PANES = { "gs-analysis": 380, "gs-boundaries": 410, "gs-highlight": 450, "gs-elements": 470,
                    "gs-labels": 560 };
  var DEPT_COLOURS = ["#ff8a65", "#ce93d8", "#aed581", "#f06292", "#ffd54f", "#90caf9"];
  var H3_COLOURS = ["#1565c0", "#26a69a", "#ffb300", "#e53935"]; /* 1, 2, 3, 4+ grids */

  function glow(colour, width, inner, fill) {
    return [
      { weight: width * 4, color: colour, opacity: 0.12, fill: false },
      L.extend({ weight: width, color: inner || colour, opacity: 0.95, fill: false }, fill || {})
    ];
  }

  /* style key -> VectorGrid style (object, array or function(properties, zoom)) */
  GridMap.styles = {
    district: glow("#ffb74d", 2.5, "#ffd180"),
    streets: glow("#29b6f6", 1.8, "#4fc3f7", { fill: true, fillColor: "#0a3a5e", fillOpacity: 0.18 }),
    communities: [
      { weight: 4, color: "#26c6da", opacity: 0.1, fill: false },
      { weight: 1.3, color: "#4dd0e1", opacity: 0.9, fill: true, fillColor: "#0b4a55", fillOpacity: 0.12 }
    ],
    grids: { weight: 0.9, color: "#80deea", opacity: 0.75, fill: true, fillColor: "#00e5ff", fillOpacity: 0.045 },
    h3: function (props) {
      var n = Math.max(1, Math.min(4, Number(props.count) || 1));
      return { weight: 0.4, color: "#0b1526", opacity: 0.6, fill: true,
               fillColor: H3_COLOURS[n - 1], fillOpacity: 0.55 };
    },
    conflicts: { weight: 1, color: "#ff5252", opacity: 0.9, fill: true, fillColor: "#ff1744", fillOpacity: 0.35 }
  };
  GridMap.styleFor = function (key) {
    if (key && key.indexOf("dept:") === 0) {
      var c = DEPT_COLOURS[Number(key.slice(5)) % DEPT_COLOURS.length];
      return { weight: 1.6, color: c, opacity: 0.95, dashArray: "5 4", fill: true, fillColor: c, fillOpacity: 0.06 };
    }
    return GridMap.styles[key] || { weight: 1, color: "#90a4ae", fill: false };
  };

  GridMap.layerTypes = {};
  GridMap.registerLayerType = function (type, factory) { GridMap.layerTypes[type] = factory; };

  /* Mapbox Vector Tiles from /tiles/{layer}/{z}/{x}/{y}.pbf (non-interactive: clicks go
     through /api/v1/locate), with the labels of its unit level when it has one. */
  GridMap.registerLayerType("mvt", function (def, ctx) {
    var styles = {};
    styles[def.source] = GridMap.styleFor(def.style);
    var pane = def.group === "boundaries" ? "gs-boundaries" : "gs-analysis";
    var tiles = L.vectorGrid.protobuf(ctx.tileUrl(def), {
      rendererFactory: L.canvas.tile,
      vectorTileLayerStyles: styles,
      interactive: false,
      pane: pane,
      zIndex: def.id === "district" ? 10 : 5,
      minZoom: def.min_zoom === null ? 0 : def.min_zoom,
      maxZoom: def.max_zoom === null ? 22 : def.max_zoom,
      maxNativeZoom: 18,
      updateWhenZooming: false,
      keepBuffer: 1,
      fetchOptions: { credentials: "same-origin" }
    });
    var layer = def.labels ? L.layerGroup([tiles, new GridMap.LabelLayer(def, ctx)]) : tiles;
    layer.gsTiles = tiles;
    return layer;
  });

  /* Unit names and codes at their label points (/api/v1/grids/labels), for the current
     view only, refreshed on moveend, only at the zooms where the level is drawn. */
  GridMap.LabelLayer = L.LayerGroup.extend({
    initialize: function (def, ctx) {
      L.LayerGroup.prototype.initialize.call(this, []);
      this.def = def;
      this.ctx = ctx;
      this.request = null;
    },
    onAdd: function (map) {
      L.LayerGroup.prototype.onAdd.call(this, map);
      map.on("moveend", this.refresh, this);
      this.refresh();
    },
    onRemove: function (map) {
      map.off("moveend", this.refresh, this);
      if (this.request) this.request.abort();
      this.clearLayers();
      L.LayerGroup.prototype.onRemove.call(this, map);
    },
    inZoom: function (z) {
      var d = this.def, r = d.label_zooms || [d.min_zoom, d.max_zoom];
      return (r[0] === null || z >= r[0]) && (r[1] === null || z <= r[1]);
    },
    refresh: function () {
      var map = this._map, self = this;
      if (!map) return;
      if (this.request) this.request.abort();
      if (!this.inZoom(map.getZoom())) { this.clearLayers(); return; }
      var b = map.getBounds().pad(0.1), datum = this.ctx.datum;
      var sw = datum.fromDisplay(b.getSouthWest()), ne = datum.fromDisplay(b.getNorthEast());
      var clamp = function (v, lo, hi) { return Math.max(lo, Math.min(hi, v)); };
      var bbox = [clamp(sw.lon, -180, 180), clamp(sw.lat, -90, 90),
                  clamp(ne.lon, -180, 180), clamp(ne.lat, -90, 90)].map(function (v) { return v.toFixed(6); });
      this.request = new AbortController();
      var url = this.ctx.api("/grids/labels", {
        level: this.def.labels, bbox: bbox.join(","), district: this.ctx.config.district.code, limit: 2000
      });
      fetch(url, { credentials: "same-origin", signal: this.request.signal })
        .then(function (r) { return r.ok ? r.json() : { features: [] }; })
        .then(function (fc) { self.draw(fc.features || []); })
        .catch(function () { /* aborted by a newer view, or offline: keep what is shown */ });
    },
    /* greedy decluttering: a label is skipped when its box overlaps one already placed */
    draw: function (features) {
      var map = this._map, level = this.def.labels, datum = this.ctx.datum;
      if (!map) return;
      this.clearLayers();
      var placed = [], cell = 80, buckets = {};
      var hit = function (r) {
        for (var gx = Math.floor(r[0] / cell); gx <= Math.floor(r[2] / cell); gx++) {
          for (var gy = Math.floor(r[1] / cell); gy <= Math.floor(r[3] / cell); gy++) {
            var list = buckets[gx + ":" + gy] || [];
            for (var i = 0; i < list.length; i++) {
              var o = list[i];
              if (r[0] < o[2] && r[2] > o[0] && r[1] < o[3] && r[3] > o[1]) return true;
            }
          }
        }
        return false;
      };
      var add = function (r) {
        for (var gx = Math.floor(r[0] / cell); gx <= Math.floor(r[2] / cell); gx++) {
          for (var gy = Math.floor(r[1] / cell); gy <= Math.floor(r[3] / cell); gy++) {
            (buckets[gx + ":" + gy] = buckets[gx + ":" + gy] || []).push(r);
          }
        }
      };
      for (var i = 0; i < features.length; i++) {
        var f = features[i], c = f.geometry.coordinates, p = f.properties;
        var ll = datum.toDisplay(c[1], c[0]);
        var pt = map.latLngToContainerPoint(ll);
        var w = Math.max((p.name || "").length * 13, p.code.length * 6.6) + 12, h = 32;
        var rect = [pt.x - w / 2, pt.y - h / 2, pt.x + w / 2, pt.y + h / 2];
        if (hit(rect)) continue;
        add(rect);
        placed.push(L.marker(ll, {
          interactive: false, keyboard: false, pane: "gs-labels",
          icon: L.divIcon({
            className: "gs-label gs-label-" + level, iconSize: [w, h], iconAnchor: [w / 2, h / 2],
            html: "<b></b><span></span>"
          })
        }));
        placed[placed.length - 1].gsText = [p.name || "", p.code];
      }
      var self = this;
      placed.forEach(function (m) {
        self.addLayer(m);
        var el = m.getElement();
        if (el) { el.firstChild.textContent = m.gsText[0]; el.lastChild.textContent = m.gsText[1]; }
      });
    }
  });

  /* Key elements (人、地、物、情、组织): one toggle per kind, each a VectorGrid of
     /tiles/elements?kind=K. From zoom 15 one dot per element; below, one dot per H3 cell
     at its centre, sized by its count. */
  GridMap.KIND_COLOURS = {
    person: "#ff8a65", place: "#64b5f6", thing: "#ffd54f", organisation: "#ba68c8",
    situation: "#ef5350", staff: "#81c784"
  };
  GridMap.HEAT_STEPS = [1, 3, 10, 30, 100, 300];
  var HEAT_COLOURS = ["#fff59d", "#ffe082", "#ffb74d", "#ff8a65", "#f4511e", "#b71c1c"];
  function kindStyle(kind) {
    var colour = GridMap.KIND_COLOURS[kind] || "#b0bec5";
    return function (props) {
      if (props.h3) {
        var n = Number(props.count) || 1;
        return { radius: Math.min(4 + 2.2 * Math.log(n) / Math.LN2, 26), weight: 1, color: "#0b1526",
                 opacity: 0.8, fill: true, fillColor: colour, fillOpacity: 0.6 };
      }
      var open = props.kind !== "situation" || !props.severity || props.severity >= 1;
      return { radius: props.kind === "situation" ? 6 : 4, weight: 1.2, color: "#06101f", opacity: 0.9,
               fill: true, fillColor: colour, fillOpacity: open ? 0.95 : 0.4 };
    };
  }
  function elementTiles(def, ctx, url, style, pane) {
    var styles = {};
    styles[def.source] = style;
    return L.vectorGrid.protobuf(url, {
      rendererFactory: L.canvas.tile,
      vectorTileLayerStyles: styles,
      interactive: false,
      pane: pane || "gs-elements",
      minZoom: def.min_zoom === null ? 0 : def.min_zoom,
      maxZoom: def.max_zoom === null ? 22 : def.max_zoom,
      maxNativeZoom: 18,
      updateWhenZooming: false,
      keepBuffer: 1,
      fetchOptions: { credentials: "same-origin" }
    });
  }
  GridMap.registerLayerType("elements", function (def, ctx) {
    var kind = (def.params || {}).kind;
    var layer = elementTiles(def, ctx, ctx.tileUrl(def), kindStyle(kind));
    layer.gsTiles = layer;
    return layer;
  });

  /* the heat layer: hexagons coloured by the count of one care tag or kind; the choice
     ("tag:elderly_alone", "kind:place") is made in its legend and kept in localStorage */
  GridMap.heatStyle = function (props) {
    var n = Number(props.count) || 0, i = 0;
    while (i + 1 < GridMap.HEAT_STEPS.length && n >= GridMap.HEAT_STEPS[i + 1]) i++;
    return { weight: 0.5, color: "#3e2723", opacity: 0.5, fill: true, fillColor: HEAT_COLOURS[i],
             fillOpacity: 0.62 };
  };
  GridMap.registerLayerType("heat", function (def, ctx) {
    var choice = def.params && def.params.tag ? "tag:" + def.params.tag : "kind:place";
    try { choice = window.localStorage.getItem("gridsvc.heat") || choice; } catch (e) { /* ignore */ }
    var urlOf = function (c) {
      var parts = c.split(":"), params = {};
      params[parts[0]] = parts[1];
      return ctx.tileUrl(L.extend({}, def, { params: params }));
    };
    var layer = elementTiles(def, ctx, urlOf(choice), GridMap.heatStyle, "gs-analysis"); /* under the dots */
    layer.gsTiles = layer;
    layer.gsChoice = function () { return choice; };
    layer.gsChoose = function (c) {
      if (!/^(tag|kind):[a-z_]+$/.test(c) || c === choice) return;
      choice = c;
      try { window.localStorage.setItem("gridsvc.heat", c); } catch (e) { /* ignore */ }
      layer.setUrl(urlOf(c));
    };
    GridMap.heat = layer;
    return layer;
  });

  /* legend key -> HTML (escaped by construction: only i18n text and colours) */
  function swatch(style, label) {
    return '<div class="gs-legend-row"><i style="' + style + '"></i><span>' + label + "</span></div>";
  }
  GridMap.legends = {
    boundaries: function () {
      return swatch("border:2px solid #ffd180", t("legend.district")) +
        swatch("border:2px solid #4fc3f7;background:rgba(10,58,94,.5)", t("legend.street")) +
        swatch("border:1.5px solid #4dd0e1;background:rgba(11,74,85,.4)", t("legend.community")) +
        swatch("border:1px solid #80deea;background:rgba(0,229,255,.08)", t("legend.grid")) +
        swatch("border:2px solid #ff4081;background:rgba(255,64,129,.25)", t("legend.selected"));
    },
    h3: function () {
      var rows = H3_COLOURS.map(function (c, i) {
        var label = i === 3 ? t("legend.h3.more", { n: 4 }) : t("legend.h3.n", { n: i + 1 });
        return swatch("background:" + c + ";opacity:.8", label);
      });
      return '<div class="gs-legend-head">' + t("legend.h3") + "</div>" + rows.join("");
    },
    elements: function (ctx) {
      var kinds = ctx.shownKinds();
      if (!kinds.length) return "";
      var rows = kinds.map(function (k) {
        return swatch("background:" + GridMap.KIND_COLOURS[k] + ";border-radius:50%;width:12px", t("kind." + k));
      });
      return '<div class="gs-legend-head">' + t("legend.elements") + "</div>" + rows.join("") +
        '<div class="gs-legend-note">' + t("legend.elements.note") + "</div>";
    },
    heat: function (ctx) {
      var layer = GridMap.heat, choice = layer ? layer.gsChoice() : "";
      var options = ctx.config.elements.tags.map(function (c) { return "tag:" + c; })
        .concat(ctx.config.elements.kinds.map(function (k) { return "kind:" + k; }));
      var select = '<select id="gs-heat-choice" class="gs-select" aria-label="' + t("legend.heat.choice") + '">' +
        options.map(function (o) {
          var parts = o.split(":"), label = parts[0] === "tag" ? t("tag." + parts[1]) : t("kind." + parts[1]);
          return '<option value="' + o + '"' + (o === choice ? " selected" : "") + ">" + label + "</option>";
        }).join("") + "</select>";
      var steps = GridMap.HEAT_STEPS;
      var rows = HEAT_COLOURS.map(function (c, i) {
        var label = i + 1 < steps.length ? (steps[i] === steps[i + 1] - 1 ? String(steps[i]) : steps[i] + "–" + (steps[i + 1] - 1))
          : "≥" + steps[i];
        return swatch("background:" + c + ";opacity:.85", label);
      });
      return '<div class="gs-legend-head">' + t("legend.heat") + "</div>" + select + rows.join("");
    },
    conflicts: function () {
      return swatch("border:1px solid #ff5252;background:rgba(255,23,68,.45)", t("legend.conflicts"));
    }
  };
})();
