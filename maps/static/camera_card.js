/* gridsvc command map — the camera card in the side panel (cameras.js explains the data).
   Every value carries data-field="…" (used by the browser test); values are text, never HTML. */
(function () {
  "use strict";
  var GridMap = (window.GridMap = window.GridMap || {});
  var t = function (k, a) { return GridMap.i18n.t(k, a); };
  var has = function (k) { return GridMap.i18n.t(k) !== k; };

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  /* a <dl> of [i18n key, value, data-field, class] rows; rows without a value are left out */
  function fields(rows) {
    var dl = el("dl", { "class": "gs-fields" });
    rows.forEach(function (r) {
      if (r[1] === undefined || r[1] === null || r[1] === "") return;
      dl.appendChild(el("dt", {}, t(r[0])));
      var attrs = { "data-field": r[2] };
      if (r[3]) attrs["class"] = r[3];
      dl.appendChild(el("dd", attrs, String(r[1])));
    });
    return dl;
  }
  function time(iso) {
    if (!iso) return null;
    var d = new Date(iso);
    return isNaN(d.getTime()) ? String(iso) : d.toLocaleString(GridMap.i18n.locale, { hour12: false });
  }
  function label(prefix, code) { return has(prefix + code) ? t(prefix + code) : code; }
  function list(v) {
    if (Array.isArray(v)) return v;
    return String(v || "").split(",").filter(function (s) { return s; });
  }
  /* one camera record from tile properties and (when loaded) the registry's Feature */
  function merged(tile, detail) {
    var p = L.extend({}, tile, detail && !detail.error && !detail.loading ? detail : {});
    var pick = function (a, b) { return p[a] !== undefined && p[a] !== null ? p[a] : p[b]; };
    p.heading = pick("heading", "heading_deg");
    p.fov = pick("fov", "fov_deg");
    p.range = pick("range", "range_m");
    p.alarms = list(p.alarms);
    return p;
  }
  /* event rows of any of the usual list shapes */
  function eventsOf(body) {
    var rows = Array.isArray(body) ? body : body.events || body.items || body.results || body.features || [];
    return rows.map(function (r) { return r && r.properties ? r.properties : r; });
  }

  GridMap.cameraCard = function (ctx) {
    var map = ctx.map, section = document.getElementById("gs-camera");
    var body = document.getElementById("gs-camera-body"), marker = null, state = null;

    function decoded(id) {
      var d = GridMap.decodeDeviceId(id);
      if (!d) return el("p", { "class": "gs-error", "data-field": "decoded" }, t("camera.invalidId"));
      return fields([
        ["camera.centre", d.adcode + " · " + d.unit, "decoded.centre", "gs-code"],
        ["camera.industry", d.industry + " · " + label("industry.", d.industry), "decoded.industry"],
        ["camera.type", d.type + " · " + label("devtype.", d.type), "decoded.type"],
        ["camera.network", d.network + " · " + label("network.", d.network), "decoded.network"],
        ["camera.serial", d.serial, "decoded.serial", "gs-code"]
      ]);
    }

    function details(p, detail) {
      if (detail.loading) return el("p", { "class": "gs-muted" }, t("camera.loading"));
      if (detail.error) return el("p", { "class": "gs-muted", "data-field": "details" }, t("camera.detailsUnavailable"));
      var streams = (p.streams || []).map(function (s) { return (s.name || "") + ": " + (s.url || ""); }).join("\n");
      return fields([
        ["camera.height", p.height_m !== undefined && p.height_m !== null ? t("camera.heightValue", { height: p.height_m }) : null, "height"],
        ["camera.vendor", [p.manufacturer, p.model].filter(Boolean).join(" / "), "vendor"],
        ["camera.integrator", p.integrator, "integrator"],
        ["camera.address", p.address, "address"],
        ["camera.parent", p.parent_id, "parent", "gs-code"],
        ["camera.streams", streams, "streams", "gs-streams"]
      ]);
    }

    function eventList(events) {
      var box = el("div", { "data-field": "events" });
      if (events.loading) { box.appendChild(el("p", { "class": "gs-muted" }, t("camera.loading"))); return box; }
      if (events.error) { box.appendChild(el("p", { "class": "gs-muted" }, t("camera.eventsUnavailable"))); return box; }
      if (!events.rows.length) { box.appendChild(el("p", { "class": "gs-muted" }, t("camera.noEvents"))); return box; }
      // status changes oldest first, so the arrows read in time order (events come newest first)
      var history = events.rows.filter(function (e) { return e.type === "online" || e.type === "offline"; }).reverse();
      var ul = el("ul", { "class": "gs-list gs-events" });
      events.rows.forEach(function (e) {
        var li = el("li", { "data-type": e.type || "" });
        var text = [time(e.occurred_at), label("event.", e.type || "other"), e.state ? label("state.", e.state) : null,
                    e.label].filter(Boolean).join(" · ");
        li.appendChild(el("span", {}, text));
        (e.pictures || []).forEach(function (id) {
          var a = el("a", { href: ctx.api("/camera-pictures/" + encodeURIComponent(id)), target: "_blank", rel: "noopener" });
          a.appendChild(el("img", { src: ctx.api("/camera-pictures/" + encodeURIComponent(id)), alt: t("camera.pictures"),
                                    "class": "gs-thumb", loading: "lazy" }));
          li.appendChild(a);
        });
        ul.appendChild(li);
      });
      if (history.length) {
        box.appendChild(el("h4", {}, t("camera.history")));
        box.appendChild(el("p", { "data-field": "history" }, history.map(function (e) {
          return time(e.occurred_at) + " " + label("event.", e.type);
        }).join(" → ")));
      }
      box.appendChild(ul);
      return box;
    }

    function render() {
      body.textContent = "";
      if (!state) { section.hidden = true; return; }
      section.hidden = false;
      var p = merged(state.tile, state.detail);
      var head = el("div", { "class": "gs-card-head" });
      var badge = el("span", { "class": "gs-badge gs-badge-camera", "data-field": "department-badge" }, label("dept.", p.department));
      badge.style.background = GridMap.DEPARTMENT_COLOURS[p.department] || "#607d8b";
      head.appendChild(badge);
      head.appendChild(el("strong", { "data-field": "name" }, p.name || p.device_id));
      var close = el("button", { type: "button", "class": "gs-btn gs-close", title: t("camera.close"), "aria-label": t("camera.close") }, "×");
      close.addEventListener("click", hide);
      head.appendChild(close);
      body.appendChild(head);
      var status = label("cam.status.", p.status || "never_seen");
      if (p.status_since) status += " · " + t("camera.since", { time: time(p.status_since) });
      var view = p.fov !== undefined && p.fov !== null
        ? t("camera.viewValue", { heading: Math.round(p.heading), fov: Math.round(p.fov), range: Math.round(p.range) }) : null;
      body.appendChild(fields([
        ["camera.device_id", p.device_id, "device_id", "gs-code"],
        ["camera.department", label("dept.", p.department), "department"],
        ["camera.status", status, "status", "gs-status-" + (p.status || "never_seen")],
        ["camera.last_seen", p.last_seen ? time(p.last_seen) : t("camera.never"), "last_seen"],
        ["camera.alarms", p.alarms.length ? p.alarms.map(function (a) { return label("event.", a); }).join("、") : t("camera.none"),
         "alarms", p.alarms.length ? "gs-alarm" : ""],
        ["camera.grid", p.grid_code, "grid_code", "gs-code"],
        ["camera.ptz", p.ptz_type ? label("ptz.", p.ptz_type) : null, "ptz_type"],
        ["camera.view", view, "view"]
      ]));
      body.appendChild(el("h4", {}, t("camera.decoded")));
      body.appendChild(decoded(p.device_id));
      body.appendChild(el("h4", {}, t("camera.details")));
      body.appendChild(details(p, state.detail));
      body.appendChild(el("h4", {}, t("camera.events")));
      body.appendChild(eventList(state.events));
      var zoom = el("button", { type: "button", "class": "gs-btn gs-btn-wide" }, t("camera.zoom"));
      zoom.addEventListener("click", function () { map.flyTo(state.latlng, Math.max(map.getZoom(), 18), { duration: 0.6 }); });
      body.appendChild(zoom);
    }

    function show(props, latlng) {
      var s = (state = { tile: props, latlng: latlng, detail: { loading: true }, events: { loading: true } });
      if (marker) map.removeLayer(marker);
      marker = L.circleMarker(latlng, { pane: "gs-highlight", radius: 11, color: "#ff4081", weight: 3, fill: false,
                                        interactive: false }).addTo(map);
      render();
      var id = encodeURIComponent(props.device_id);
      ctx.getJson(ctx.api("/cameras/" + id))
        .then(function (f) { s.detail = (f && f.properties) || f || {}; }, function (err) { s.detail = { error: err.message }; })
        .then(function () { if (state === s) render(); });
      ctx.getJson(ctx.api("/camera-events", { camera: props.device_id, limit: 10 }))
        .then(function (b) { s.events = { rows: eventsOf(b || []) }; }, function (err) { s.events = { error: err.message }; })
        .then(function () { if (state === s) render(); });
    }

    function hide() {
      state = null;
      if (marker) { map.removeLayer(marker); marker = null; }
      render();
    }

    /* a click on the map: a drawn camera near it opens its card (true), else false */
    function click(latlng) {
      var layer = GridMap.cameraLayer;
      if (!layer || !map.hasLayer(layer)) return false;
      var hit = layer.gsCameraAt(latlng);
      if (!hit) return false;
      show(hit.props, map.unproject([hit.x, hit.y], hit.z));
      return true;
    }

    GridMap.i18n.onChange(render);
    render();
    return { show: show, hide: hide, click: click };
  };
})();
