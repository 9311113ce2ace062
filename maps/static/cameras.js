/* gridsvc command map — cameras: the camera layer (status colours, alarm rings), view
   sectors (from zoom 16), coverage and blind spots, their legends, and the camera card.

   Tiles: /tiles/cameras (MVT layers `cameras` and, from zoom 16, `sectors`) and
   /tiles/coverage (`coverage` per grid, `blind_spots` from zoom 14), see maps/camera_tiles.py.
   Clicking within a few pixels of a drawn camera opens its card instead of locating the
   point: the card shows what the tile carries at once (device ID decoded here, name,
   department, status and since, last seen, alarms, view), then adds what
   GET /api/v1/cameras/{id} and GET /api/v1/camera-events?camera=ID&limit=10 return (device
   details, streams, the last events and their pictures); a part that does not load says so
   and the rest stays. */
(function () {
  "use strict";
  var GridMap = (window.GridMap = window.GridMap || {});
  var t = function (k, a) { return GridMap.i18n.t(k, a); };

  GridMap.CAMERA_STATUS_COLOURS = { online: "#43a047", offline: "#e53935", never_seen: "#9e9e9e" };
  GridMap.DEPARTMENT_COLOURS = { police: "#42a5f5", traffic: "#ffb300", urban_management: "#66bb6a",
                                 smart: "#ab47bc" };
  var ALARMS = { video_loss: 1, tamper: 1 };
  var ALARM_COLOUR = "#ffab00";
  var COVERAGE_STEPS = [0, 0.2, 0.4, 0.6, 0.8];
  var COVERAGE_COLOURS = ["#b71c1c", "#ef6c00", "#fdd835", "#9ccc65", "#2e7d32"];
  var HIT_PX = 12;

  function alarmsOf(props) {
    return String(props.alarms || "").split(",").filter(function (a) { return ALARMS[a]; });
  }
  function deptColour(d) { return GridMap.DEPARTMENT_COLOURS[d] || "#90a4ae"; }

  GridMap.cameraStyle = function (props, z) {
    var r = z >= 16 ? 6 : z >= 14 ? 4.5 : 3;
    var dot = { radius: r, weight: 1.4, color: "#06101f", opacity: 0.95, fill: true,
                fillColor: GridMap.CAMERA_STATUS_COLOURS[props.status] || "#9e9e9e", fillOpacity: 0.95 };
    if (!alarmsOf(props).length) return dot;
    return [{ radius: r + 4, weight: 2.5, color: ALARM_COLOUR, opacity: 1, fill: false }, dot];
  };
  GridMap.sectorStyle = function (props) {
    var c = deptColour(props.department);
    return { weight: 0.8, color: c, opacity: 0.8, fill: true, fillColor: c,
             fillOpacity: props.status === "offline" ? 0.06 : 0.18 };
  };
  GridMap.coverageStyle = function (props) {
    var share = Number(props.share) || 0, i = 0;
    while (i + 1 < COVERAGE_STEPS.length && share >= COVERAGE_STEPS[i + 1]) i++;
    return { weight: 0.6, color: "#0b1526", opacity: 0.5, fill: true, fillColor: COVERAGE_COLOURS[i],
             fillOpacity: 0.32 };
  };
  GridMap.blindStyle = { weight: 1, color: "#ff1744", opacity: 0.9, dashArray: "3 3", fill: true,
                         fillColor: "#ff1744", fillOpacity: 0.28 };

  /* VectorGrid that keeps the camera points of its tiles (global pixels at the tile's zoom)
     for the click test: VectorGrid's own interactivity would swallow the map's clicks. */
  var CameraTiles = L.VectorGrid.Protobuf.extend({
    initialize: function (url, options) {
      L.VectorGrid.Protobuf.prototype.initialize.call(this, url, options);
      this.gsPoints = {};
      this.on("tileunload", function (e) { delete this.gsPoints[this._tileCoordsToKey(e.coords)]; }, this);
    },
    _getVectorTilePromise: function (coords) {
      var self = this, key = this._tileCoordsToKey(coords), size = this.getTileSize().x;
      return L.VectorGrid.Protobuf.prototype._getVectorTilePromise.call(this, coords).then(function (tile) {
        var layer = tile.layers && tile.layers.cameras, points = [];
        if (layer) {
          var scale = size / layer.extent;
          layer.features.forEach(function (f) {
            var g = f.geometry && f.geometry[0] && f.geometry[0][0];
            if (g) points.push({ x: coords.x * size + g.x * scale, y: coords.y * size + g.y * scale,
                                 z: coords.z, props: f.properties });
          });
        }
        self.gsPoints[key] = points;
        return tile;
      });
    },
    /* the drawn camera nearest to a display latlng within HIT_PX screen pixels, or null */
    gsCameraAt: function (latlng) {
      var map = this._map, best = null, bestD = HIT_PX;
      if (!map) return null;
      var zoom = map.getZoom(), self = this;
      Object.keys(this.gsPoints).forEach(function (key) {
        self.gsPoints[key].forEach(function (p) {
          var at = map.project(latlng, p.z), k = Math.pow(2, zoom - p.z);
          var d = Math.sqrt(Math.pow((at.x - p.x) * k, 2) + Math.pow((at.y - p.y) * k, 2));
          if (d < bestD) { bestD = d; best = p; }
        });
      });
      return best;
    }
  });

  function tiles(def, ctx, styles, pane, Kind) {
    return new (Kind || L.VectorGrid.Protobuf)(ctx.tileUrl(def), {
      rendererFactory: L.canvas.tile,
      vectorTileLayerStyles: styles,
      interactive: false,
      pane: pane,
      minZoom: def.min_zoom === null ? 0 : def.min_zoom,
      maxZoom: def.max_zoom === null ? 22 : def.max_zoom,
      maxNativeZoom: 18,
      updateWhenZooming: false,
      keepBuffer: 1,
      fetchOptions: { credentials: "same-origin" }
    });
  }
  GridMap.registerLayerType("cameras", function (def, ctx) {
    var layer = tiles(def, ctx, { cameras: GridMap.cameraStyle, sectors: [] }, "gs-elements", CameraTiles);
    layer.gsTiles = layer;
    GridMap.cameraLayer = layer;
    return layer;
  });
  GridMap.registerLayerType("sectors", function (def, ctx) {
    var layer = tiles(def, ctx, { sectors: GridMap.sectorStyle, cameras: [] }, "gs-analysis");
    layer.gsTiles = layer;
    return layer;
  });
  GridMap.registerLayerType("coverage", function (def, ctx) {
    var layer = tiles(def, ctx, { coverage: GridMap.coverageStyle, blind_spots: GridMap.blindStyle }, "gs-analysis");
    layer.gsTiles = layer;
    return layer;
  });

  function swatch(style, label) {
    return '<div class="gs-legend-row"><i style="' + style + '"></i><span>' + label + "</span></div>";
  }
  GridMap.legends.cameras = function () {
    var rows = Object.keys(GridMap.CAMERA_STATUS_COLOURS).map(function (s) {
      return swatch("background:" + GridMap.CAMERA_STATUS_COLOURS[s] + ";border-radius:50%;width:12px", t("cam.status." + s));
    });
    rows.push(swatch("border:2.5px solid " + ALARM_COLOUR + ";border-radius:50%;width:10px", t("legend.alarm")));
    return '<div class="gs-legend-head">' + t("legend.cameras") + "</div>" + rows.join("");
  };
  GridMap.legends.sectors = function () {
    var rows = Object.keys(GridMap.DEPARTMENT_COLOURS).map(function (d) {
      var c = GridMap.DEPARTMENT_COLOURS[d];
      return swatch("border:1px solid " + c + ";background:" + c + ";opacity:.6", t("dept." + d));
    });
    return '<div class="gs-legend-head">' + t("legend.sectors") + "</div>" + rows.join("");
  };
  GridMap.legends.coverage = function () {
    var rows = COVERAGE_COLOURS.map(function (c, i) {
      var lo = Math.round(COVERAGE_STEPS[i] * 100), hi = i + 1 < COVERAGE_STEPS.length ? Math.round(COVERAGE_STEPS[i + 1] * 100) : 100;
      return swatch("background:" + c + ";opacity:.7", lo + "–" + hi + "%");
    });
    rows.push(swatch("border:1px dashed #ff1744;background:rgba(255,23,68,.35)", t("legend.blind")));
    return '<div class="gs-legend-head">' + t("legend.coverage") + "</div>" + rows.join("");
  };

  /* a GB/T 28181 device ID's parts (SPEC §2), or null when it is not 20 digits */
  GridMap.decodeDeviceId = function (code) {
    if (!/^\d{20}$/.test(code || "")) return null;
    return { centre: code.slice(0, 8), adcode: code.slice(0, 6), unit: code.slice(6, 8),
             industry: code.slice(8, 10), type: code.slice(10, 13), network: code.slice(13, 14),
             serial: code.slice(14) };
  };

})();
