/* gridsvc command map — every text of the page in Simplified Chinese (default) and English. */
(function () {
  "use strict";
  var GridMap = (window.GridMap = window.GridMap || {});

  var MESSAGES = {
    "zh-CN": {
      "app.title": "网格化管理指挥中心",
      "app.logout": "退出",
      "app.lang": "EN",
      "app.langTitle": "Switch to English",
      "role.admin": "管理员", "role.operator": "值班员", "role.grid_leader": "网格长",
      "role.planner": "规划员", "role.integrator": "接入方",
      "search.placeholder": "搜索网格编码或名称…",
      "search.none": "没有匹配的单元",
      "search.error": "搜索失败",
      "level.district": "区县", "level.street": "街道", "level.community": "社区",
      "level.grid": "网格",
      "group.basemap": "底图", "group.boundaries": "行政与网格边界",
      "group.departments": "部门图层（多网合一）", "group.analysis": "分析",
      "basemap.none": "无底图（深色背景）", "basemap.osm": "OpenStreetMap",
      "basemap.tianditu": "天地图", "basemap.amap": "高德地图", "basemap.tencent": "腾讯地图",
      "basemap.dir": "本地瓦片底图", "basemap.mbtiles": "本地 MBTiles 底图",
      "layer.district": "区县边界", "layer.streets": "街道边界（缩放 ≤12）",
      "layer.communities": "社区边界（缩放 12–14）", "layer.grids": "网格边界（缩放 ≥14）",
      "layer.h3": "H3 单元覆盖（网格数）", "layer.dept": "{dept} 部门网格（第 {version} 版）",
      "layer.proposal": "统一网格建议（第 {version} 版）", "layer.conflicts": "{dept} 冲突",
      "card.title": "网格信息", "card.empty": "点击地图上的网格，或在上方搜索。",
      "card.code": "编码", "card.name": "名称", "card.level": "层级",
      "card.community": "所属社区", "card.street": "所属街道", "card.district": "所属区县",
      "card.area": "面积", "card.cells": "H3 单元", "card.cellsDetail": "内部 {interior} · 边界 {boundary} · 分辨率 {res}",
      "card.loading": "加载中…", "card.error": "无法加载该单元：{error}",
      "card.zoom": "缩放至该网格",
      "locate.title": "点位查询", "locate.hint": "点击地图任意位置查询所属网格。",
      "locate.point": "坐标（WGS 84）", "locate.outside": "不在任何网格内",
      "locate.grid": "网格", "locate.h3": "H3 单元", "locate.loading": "查询中…",
      "locate.error": "查询失败：{error}",
      "layers.title": "图层",
      "legend.title": "图例", "legend.district": "区县边界", "legend.street": "街道",
      "legend.community": "社区", "legend.grid": "网格", "legend.selected": "选中网格",
      "legend.h3": "H3 单元覆盖的网格数", "legend.h3.n": "{n} 个网格",
      "legend.h3.more": "≥{n} 个网格", "legend.conflicts": "部门冲突区域",
      "status.zoom": "缩放 {z}", "status.level": "当前显示：{level}",
      "status.cursor": "经纬度 {lat}, {lon}",
      "status.tiles": "矢量瓦片加载中…", "status.ready": "就绪",
      "zoom.in": "放大", "zoom.out": "缩小"
    },
    en: {
      "app.title": "Grid management command centre",
      "app.logout": "Log out",
      "app.lang": "中文",
      "app.langTitle": "切换到中文",
      "role.admin": "Admin", "role.operator": "Operator", "role.grid_leader": "Grid leader",
      "role.planner": "Planner", "role.integrator": "Integrator",
      "search.placeholder": "Search grid code or name…",
      "search.none": "No matching unit",
      "search.error": "Search failed",
      "level.district": "District", "level.street": "Street", "level.community": "Community",
      "level.grid": "Grid",
      "group.basemap": "Basemap", "group.boundaries": "Boundaries",
      "group.departments": "Departmental layers", "group.analysis": "Analysis",
      "basemap.none": "No basemap (dark background)", "basemap.osm": "OpenStreetMap",
      "basemap.tianditu": "Tianditu", "basemap.amap": "Amap", "basemap.tencent": "Tencent Maps",
      "basemap.dir": "Local tile basemap", "basemap.mbtiles": "Local MBTiles basemap",
      "layer.district": "District boundary", "layer.streets": "Streets (zoom ≤12)",
      "layer.communities": "Communities (zoom 12–14)", "layer.grids": "Grids (zoom ≥14)",
      "layer.h3": "H3 cell coverage (grids per cell)",
      "layer.dept": "{dept} departmental grid (v{version})",
      "layer.proposal": "Proposed unified grid (v{version})",
      "layer.conflicts": "{dept} conflicts",
      "card.title": "Grid", "card.empty": "Click a grid on the map, or search above.",
      "card.code": "Code", "card.name": "Name", "card.level": "Level",
      "card.community": "Community", "card.street": "Street", "card.district": "District",
      "card.area": "Area", "card.cells": "H3 cells",
      "card.cellsDetail": "interior {interior} · boundary {boundary} · resolution {res}",
      "card.loading": "Loading…", "card.error": "Could not load this unit: {error}",
      "card.zoom": "Zoom to this grid",
      "locate.title": "Point lookup", "locate.hint": "Click anywhere on the map to find its grid.",
      "locate.point": "Point (WGS 84)", "locate.outside": "Not in any grid",
      "locate.grid": "Grid", "locate.h3": "H3 cell", "locate.loading": "Locating…",
      "locate.error": "Lookup failed: {error}",
      "layers.title": "Layers",
      "legend.title": "Legend", "legend.district": "District", "legend.street": "Street",
      "legend.community": "Community", "legend.grid": "Grid", "legend.selected": "Selected grid",
      "legend.h3": "Grids touching each H3 cell", "legend.h3.n": "{n} grid(s)",
      "legend.h3.more": "{n}+ grids", "legend.conflicts": "Departmental conflicts",
      "status.zoom": "Zoom {z}", "status.level": "Showing: {level}",
      "status.cursor": "Lat/lon {lat}, {lon}",
      "status.tiles": "Loading vector tiles…", "status.ready": "Ready",
      "zoom.in": "Zoom in", "zoom.out": "Zoom out"
    }
  };

  function pickLocale(configured) {
    var query = new URLSearchParams(window.location.search).get("lang");
    var stored = null;
    try { stored = window.localStorage.getItem("gridsvc.lang"); } catch (e) { /* private mode */ }
    var wanted = query || stored || configured || "zh-CN";
    return wanted.toLowerCase().indexOf("en") === 0 ? "en" : "zh-CN";
  }

  /* values put into messages may come from data (names): never let them become markup */
  function escapeHtml(s) {
    return s.replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  var i18n = {
    messages: MESSAGES,
    locale: "zh-CN",
    listeners: [],
    init: function (configured) { i18n.locale = pickLocale(configured); return i18n.locale; },
    t: function (key, args) {
      var text = (MESSAGES[i18n.locale] || {})[key];
      if (text === undefined) text = MESSAGES["zh-CN"][key];
      if (text === undefined) return key;
      return text.replace(/\{(\w+)\}/g, function (m, name) {
        return args && args[name] !== undefined ? escapeHtml(String(args[name])) : m;
      });
    },
    /* fill every [data-i18n], [data-i18n-placeholder], [data-i18n-title] under root */
    apply: function (root) {
      root = root || document;
      root.querySelectorAll("[data-i18n]").forEach(function (el) {
        el.textContent = i18n.t(el.getAttribute("data-i18n"));
      });
      ["placeholder", "title", "aria-label"].forEach(function (attr) {
        root.querySelectorAll("[data-i18n-" + attr + "]").forEach(function (el) {
          el.setAttribute(attr, i18n.t(el.getAttribute("data-i18n-" + attr)));
        });
      });
      document.documentElement.lang = i18n.locale;
    },
    set: function (locale) {
      i18n.locale = locale === "en" ? "en" : "zh-CN";
      try { window.localStorage.setItem("gridsvc.lang", i18n.locale); } catch (e) { /* ignore */ }
      var url = new URL(window.location.href);
      url.searchParams.set("lang", i18n.locale);
      window.history.replaceState(null, "", url.toString());
      i18n.apply(document);
      i18n.listeners.forEach(function (fn) { fn(i18n.locale); });
    },
    onChange: function (fn) { i18n.listeners.push(fn); },
    number: function (value, digits) {
      return Number(value).toLocaleString(i18n.locale, {
        maximumFractionDigits: digits, minimumFractionDigits: digits
      });
    }
  };
  GridMap.i18n = i18n;
  GridMap.t = i18n.t;
})();
