/* WGS 84 <-> GCJ-02 (Amap, Tencent) in the browser, as gridsvc/geo/chinese.py does it:
   the textbook forward formula, and an exact inverse by fixed-point iteration (< 1e-9°).
   Points outside the rough mainland-China box are returned unchanged. */
(function () {
  "use strict";
  var GridMap = (window.GridMap = window.GridMap || {});
  var A = 6378245.0;
  var EE = 0.00669342162296594323;
  var PI = Math.PI;

  function inChina(lat, lon) {
    return lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271;
  }

  function offset(lat, lon) {
    var x = lon - 105.0, y = lat - 35.0;
    var dLat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    dLat += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    dLat += (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0;
    dLat += (160.0 * Math.sin(y / 12.0 * PI) + 320 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    var dLon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    dLon += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    dLon += (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0;
    dLon += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    var radLat = lat / 180.0 * PI;
    var magic = Math.sin(radLat);
    magic = 1 - EE * magic * magic;
    var sqrtMagic = Math.sqrt(magic);
    dLat = (dLat * 180.0) / ((A * (1 - EE)) / (magic * sqrtMagic) * PI);
    dLon = (dLon * 180.0) / (A / sqrtMagic * Math.cos(radLat) * PI);
    return [dLat, dLon];
  }

  /* WGS 84 [lat, lon] -> GCJ-02 [lat, lon] */
  function toGcj(lat, lon) {
    if (!inChina(lat, lon)) return [lat, lon];
    var d = offset(lat, lon);
    return [lat + d[0], lon + d[1]];
  }

  /* GCJ-02 [lat, lon] -> WGS 84 [lat, lon], exact inverse by iteration */
  function toWgs(lat, lon) {
    if (!inChina(lat, lon)) return [lat, lon];
    var w = [lat, lon];
    for (var i = 0; i < 30; i++) {
      var g = toGcj(w[0], w[1]);
      var eLat = g[0] - lat, eLon = g[1] - lon;
      w = [w[0] - eLat, w[1] - eLon];
      if (Math.abs(eLat) < 1.5e-8 && Math.abs(eLon) < 1.5e-8) break;
    }
    return w;
  }

  GridMap.gcj02 = { toGcj: toGcj, toWgs: toWgs, inChina: inChina };

  /* The page's display datum: WGS 84, or GCJ-02 under an Amap/Tencent basemap. Data from the
     API is WGS 84; toDisplay/fromDisplay convert Leaflet lat/lngs between the two. */
  GridMap.makeDatum = function (shift) {
    var gcj = shift === "gcj02";
    return {
      gcj: gcj,
      crsParam: gcj ? "gcj02" : "EPSG:4326",
      toDisplay: function (lat, lon) {
        var p = gcj ? toGcj(lat, lon) : [lat, lon];
        return L.latLng(p[0], p[1]);
      },
      fromDisplay: function (latlng) {
        var p = gcj ? toWgs(latlng.lat, latlng.lng) : [latlng.lat, latlng.lng];
        return { lat: p[0], lon: p[1] };
      },
      /* GeoJSON [lon, lat] -> display LatLng (for L.geoJSON's coordsToLatLng) */
      coords: function (c) {
        var p = gcj ? toGcj(c[1], c[0]) : [c[1], c[0]];
        return L.latLng(p[0], p[1]);
      }
    };
  };
})();
