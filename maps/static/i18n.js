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
      "zoom.in": "放大", "zoom.out": "缩小",
      "group.elements": "要素（人、地、物、情、组织）", "layer.el.place": "地：场所与楼栋", "layer.el.thing": "物：城市部件",
      "layer.el.organisation": "组织", "layer.el.situation": "情：舆情、隐患、风险", "layer.el.person": "人：居民点位",
      "layer.heat": "热力图（关爱标签 / 要素类型）", "kind.person": "居民", "kind.place": "场所", "kind.thing": "部件",
      "kind.organisation": "组织", "kind.situation": "情况", "kind.staff": "网格员", "tag.elderly_alone": "独居老人",
      "tag.left_behind_child": "留守儿童", "tag.disabled": "残疾人", "tag.low_income": "低保", "tag.key_care": "重点关注",
      "tag.party_member": "党员", "tag.veteran": "退役军人", "legend.elements": "要素（缩放 ≥15 为单个点位，以下按 H3 单元汇总）",
      "legend.elements.note": "汇总圆点的大小表示数量", "legend.heat": "热力：每个 H3 单元的数量", "legend.heat.choice": "热力指标",
      "profile.title": "要素概况", "profile.none": "暂无该单元的要素数据", "profile.households": "户数",
      "profile.residents": "居民", "profile.people": "居民", "profile.total": "合计",
      "profile.by_registration": "按户籍", "profile.by_tag": "按关爱标签", "profile.tags": "按关爱标签",
      "profile.places": "场所", "profile.by_kind": "按类型", "profile.components": "城市部件",
      "profile.things": "城市部件", "profile.by_class": "按类别", "profile.by_status": "按状态",
      "profile.organisations": "组织", "profile.party_members": "党员", "profile.party_orgs": "党组织",
      "profile.party": "党建", "profile.staff": "网格员", "profile.staff_on_duty": "在岗网格员",
      "profile.on_duty": "在岗", "profile.situations": "情况（进行中）", "profile.open": "进行中",
      "profile.by_severity": "按等级", "profile.by_level": "按层级", "profile.count": "数量",
      "value.registered": "户籍", "value.floating": "流动", "value.foreign": "境外", "value.other": "其他",
      "value.building": "楼栋", "value.compound": "小区", "value.poi": "兴趣点", "value.service_centre": "党群服务中心",
      "value.intact": "完好", "value.damaged": "损坏", "value.missing": "丢失", "value.party_org": "党组织",
      "value.enterprise": "企业", "value.social_org": "社会组织", "value.property_company": "物业公司",
      "value.owners_committee": "业主委员会", "value.sentiment": "舆情", "value.hazard": "隐患", "value.risk": "风险",
      "value.grid_leader": "网格长", "value.police_officer": "社区民警", "value.community_worker": "社区工作者",
      "value.urban_management_officer": "城管队员", "value.market_supervision_officer": "市场监管员",
      "value.sanitation_worker": "环卫工人", "value.volunteer": "志愿者", "value.party_member": "党员",
      "value.other_member": "其他成员", "value.street_committee": "街道党工委", "value.community_committee": "社区党委",
      "value.grid_branch": "网格党支部", "value.building_group": "楼栋党小组", "value.member_household": "党员中心户",
      "value.on_duty": "在岗", "value.off_duty": "不在岗", "value.male": "男", "value.female": "女",
      "profile.party_organisations": "党组织", "profile.party_organisations_by_level": "党组织（按层级）",
      "profile.by_role": "按岗位", "profile.on_duty_members": "在岗人员",
      "profile.by_kind_and_severity": "按类型与等级", "value.unknown": "未知",
      /* cameras (issue 9) */
      "group.cameras": "视频监控", "layer.cameras": "摄像机（状态）", "layer.sectors": "可视范围（缩放 ≥16）",
      "layer.coverage": "视频覆盖率与盲区", "legend.cameras": "摄像机状态", "legend.alarm": "告警（视频丢失 / 遮挡）",
      "legend.sectors": "可视范围（按部门）", "legend.coverage": "网格视频覆盖率", "legend.blind": "盲区（缩放 ≥14）",
      "cam.status.online": "在线", "cam.status.offline": "离线", "cam.status.never_seen": "未上线", "dept.police": "公安",
      "dept.traffic": "交通", "dept.urban_management": "城管", "dept.smart": "智能", "camera.title": "摄像机",
      "camera.close": "关闭", "camera.device_id": "设备编码", "camera.name": "名称", "camera.department": "所属部门",
      "camera.status": "状态", "camera.since": "自 {time} 起", "camera.last_seen": "最近上报", "camera.never": "从未上报",
      "camera.alarms": "告警", "camera.none": "无", "camera.grid": "所在网格", "camera.ptz": "类型",
      "camera.view": "朝向 / 视角 / 距离", "camera.viewValue": "{heading}° / {fov}° / {range} 米",
      "camera.decoded": "编码解析（GB/T 28181）", "camera.centre": "中心编码", "camera.industry": "行业",
      "camera.type": "设备类型", "camera.network": "网络", "camera.serial": "序号", "camera.details": "设备信息",
      "camera.height": "安装高度", "camera.heightValue": "{height} 米", "camera.vendor": "厂商 / 型号",
      "camera.integrator": "接入方", "camera.address": "地址", "camera.parent": "上级设备（NVR）", "camera.streams": "视频流",
      "camera.events": "最近事件", "camera.noEvents": "暂无事件", "camera.eventsUnavailable": "事件暂不可用",
      "camera.detailsUnavailable": "设备详情暂不可用（显示地图数据）", "camera.history": "状态记录", "camera.pictures": "图片",
      "camera.loading": "加载中…", "camera.zoom": "缩放至该摄像机", "camera.invalidId": "不是有效的 GB/T 28181 编码", "ptz.1": "球机",
      "ptz.2": "半球", "ptz.3": "固定枪机", "ptz.4": "遥控枪机", "devtype.111": "数字视频录像机", "devtype.112": "视频服务器",
      "devtype.113": "编码器", "devtype.118": "网络视频录像机", "devtype.130": "混合硬盘录像机", "devtype.131": "摄像机",
      "devtype.132": "网络摄像机", "devtype.200": "中心信令控制服务器", "devtype.215": "业务分组", "devtype.216": "虚拟组织",
      "network.0": "监控报警专网", "network.1": "监控报警专网", "network.2": "监控报警专网", "network.3": "监控报警专网",
      "network.4": "监控报警专网", "network.5": "公安信息网", "network.6": "政务网", "network.7": "互联网", "network.8": "社会资源接入网",
      "industry.00": "社会治安路面接入", "industry.01": "社会治安社区接入", "industry.02": "社会治安内部接入", "industry.03": "社会治安其他接入",
      "industry.04": "交通路面接入", "industry.05": "交通卡口接入", "industry.06": "交通内部接入", "industry.07": "交通其他接入",
      "industry.08": "城市管理接入", "industry.09": "卫生环保接入", "industry.10": "商检海关接入", "industry.11": "教育部门接入",
      "state.active": "开始", "state.inactive": "结束", "profile.cameras": "视频监控", "profile.by_department": "按部门",
      "profile.share": "覆盖率", "profile.coverage_share": "覆盖率", "profile.covered_share": "覆盖率",
      "profile.coverage": "视频覆盖", "profile.covered_m2": "覆盖面积（平方米）", "profile.area_m2": "面积（平方米）",
      "profile.blind_m2": "盲区面积（平方米）", "value.police": "公安", "value.traffic": "交通", "value.urban_management": "城管",
      "value.smart": "智能", "value.online": "在线", "value.offline": "离线", "value.never_seen": "未上线",
      "event.motion": "移动侦测", "event.line_crossing": "越界侦测", "event.intrusion": "区域入侵",
      "event.region_entrance": "进入区域", "event.region_exit": "离开区域", "event.loitering": "徘徊",
      "event.object_left": "物品遗留", "event.object_removed": "物品拿取", "event.crowd": "人员聚集", "event.wrong_way": "逆行",
      "event.fast_movement": "快速移动", "event.video_loss": "视频丢失", "event.tamper": "遮挡/破坏",
      "event.scene_change": "场景变更", "event.image_quality": "图像质量异常", "event.io_alarm": "报警输入", "event.pir": "红外感应",
      "event.anpr": "车牌识别", "event.face": "人脸抓拍", "event.object": "目标检测", "event.device_fault": "设备故障",
      "event.heartbeat": "心跳", "event.online": "上线", "event.offline": "离线", "event.other": "其他"
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
      "zoom.in": "Zoom in", "zoom.out": "Zoom out",
      "group.elements": "Key elements", "layer.el.place": "Places and buildings",
      "layer.el.thing": "Components (things)", "layer.el.organisation": "Organisations",
      "layer.el.situation": "Situations (sentiment, hazards, risks)", "layer.el.person": "People",
      "layer.heat": "Heat map (care tag / kind)", "kind.person": "Residents", "kind.place": "Places",
      "kind.thing": "Components", "kind.organisation": "Organisations", "kind.situation": "Situations",
      "kind.staff": "Grid staff", "tag.elderly_alone": "Elderly living alone",
      "tag.left_behind_child": "Left-behind children", "tag.disabled": "Disabled",
      "tag.low_income": "Low income (dibao)", "tag.key_care": "Key care", "tag.party_member": "Party members",
      "tag.veteran": "Veterans", "legend.elements": "Elements (one dot each from zoom 15; per H3 cell below)",
      "legend.elements.note": "A cell's dot grows with its count", "legend.heat": "Heat: count per H3 cell",
      "legend.heat.choice": "Heat measure", "profile.title": "Key elements",
      "profile.none": "No element data for this unit", "profile.households": "Households",
      "profile.residents": "Residents", "profile.people": "Residents", "profile.total": "Total",
      "profile.by_registration": "By registration", "profile.by_tag": "By care tag",
      "profile.tags": "By care tag", "profile.places": "Places", "profile.by_kind": "By kind",
      "profile.components": "Components", "profile.things": "Components", "profile.by_class": "By class",
      "profile.by_status": "By status", "profile.organisations": "Organisations",
      "profile.party_members": "Party members", "profile.party_orgs": "Party organisations",
      "profile.party": "Party", "profile.staff": "Grid staff", "profile.staff_on_duty": "Staff on duty",
      "profile.on_duty": "On duty", "profile.situations": "Open situations", "profile.open": "Open",
      "profile.by_severity": "By severity", "profile.by_level": "By level", "profile.count": "Count",
      "value.registered": "Registered", "value.floating": "Floating", "value.foreign": "Foreign",
      "value.other": "Other", "value.building": "Building", "value.compound": "Compound",
      "value.poi": "Point of interest", "value.service_centre": "Service centre", "value.intact": "Intact",
      "value.damaged": "Damaged", "value.missing": "Missing", "value.party_org": "Party organisation",
      "value.enterprise": "Enterprise", "value.social_org": "Social organisation",
      "value.property_company": "Property company", "value.owners_committee": "Owners' committee",
      "value.sentiment": "Sentiment", "value.hazard": "Hazard", "value.risk": "Risk",
      "value.grid_leader": "Grid leader", "value.police_officer": "Community police officer",
      "value.community_worker": "Community worker",
      "value.urban_management_officer": "Urban-management officer",
      "value.market_supervision_officer": "Market-supervision officer",
      "value.sanitation_worker": "Sanitation worker", "value.volunteer": "Volunteer",
      "value.party_member": "Party member", "value.other_member": "Other member",
      "value.street_committee": "Street party committee",
      "value.community_committee": "Community party committee", "value.grid_branch": "Grid party branch",
      "value.building_group": "Building party group", "value.member_household": "Party member household",
      "value.on_duty": "On duty", "value.off_duty": "Off duty", "value.male": "Male",
      "value.female": "Female",
      "profile.party_organisations": "Party organisations",
      "profile.party_organisations_by_level": "Party organisations by level",
      "profile.by_role": "By role", "profile.on_duty_members": "On duty",
      "profile.by_kind_and_severity": "By kind and severity", "value.unknown": "Unknown",
      /* cameras (issue 9) */
      "group.cameras": "Video surveillance", "layer.cameras": "Cameras (status)",
      "layer.sectors": "View sectors (zoom ≥16)", "layer.coverage": "Camera coverage and blind spots",
      "legend.cameras": "Camera status", "legend.alarm": "Alarm (video loss / tamper)",
      "legend.sectors": "View sectors (by department)", "legend.coverage": "Grid camera coverage",
      "legend.blind": "Blind spots (zoom ≥14)", "cam.status.online": "Online", "cam.status.offline": "Offline",
      "cam.status.never_seen": "Never seen", "dept.police": "Police", "dept.traffic": "Traffic",
      "dept.urban_management": "Urban management", "dept.smart": "Smart", "camera.title": "Camera",
      "camera.close": "Close", "camera.device_id": "Device ID", "camera.name": "Name",
      "camera.department": "Department", "camera.status": "Status", "camera.since": "since {time}",
      "camera.last_seen": "Last seen", "camera.never": "never", "camera.alarms": "Alarms", "camera.none": "none",
      "camera.grid": "Grid", "camera.ptz": "Kind", "camera.view": "Heading / field of view / range",
      "camera.viewValue": "{heading}° / {fov}° / {range} m", "camera.decoded": "Decoded ID (GB/T 28181)",
      "camera.centre": "Centre code", "camera.industry": "Industry", "camera.type": "Device type",
      "camera.network": "Network", "camera.serial": "Serial", "camera.details": "Device",
      "camera.height": "Mounting height", "camera.heightValue": "{height} m",
      "camera.vendor": "Manufacturer / model", "camera.integrator": "Integrator", "camera.address": "Address",
      "camera.parent": "Parent device (NVR)", "camera.streams": "Streams", "camera.events": "Latest events",
      "camera.noEvents": "No events yet", "camera.eventsUnavailable": "Events unavailable",
      "camera.detailsUnavailable": "Device details unavailable (showing map data)",
      "camera.history": "Status history", "camera.pictures": "Pictures", "camera.loading": "Loading…",
      "camera.zoom": "Zoom to this camera", "camera.invalidId": "not a valid GB/T 28181 ID", "ptz.1": "Dome (PTZ)",
      "ptz.2": "Half dome", "ptz.3": "Fixed bullet", "ptz.4": "Remote-controlled bullet", "devtype.111": "DVR",
      "devtype.112": "Video server", "devtype.113": "Encoder", "devtype.118": "NVR",
      "devtype.130": "Hybrid recorder", "devtype.131": "Camera", "devtype.132": "IP camera",
      "devtype.200": "Signalling server", "devtype.215": "Business group", "devtype.216": "Virtual organisation",
      "network.0": "Surveillance private network", "network.1": "Surveillance private network",
      "network.2": "Surveillance private network", "network.3": "Surveillance private network",
      "network.4": "Surveillance private network", "network.5": "Public-security network",
      "network.6": "Government network", "network.7": "Internet", "network.8": "Social-resource network",
      "industry.00": "Public security, roads", "industry.01": "Public security, communities",
      "industry.02": "Public security, internal", "industry.03": "Public security, other",
      "industry.04": "Traffic, roads", "industry.05": "Traffic, checkpoints", "industry.06": "Traffic, internal",
      "industry.07": "Traffic, other", "industry.08": "Urban management", "industry.09": "Health and environment",
      "industry.10": "Inspection and customs", "industry.11": "Education", "state.active": "start",
      "state.inactive": "end", "profile.cameras": "Cameras", "profile.by_department": "By department",
      "profile.share": "Coverage", "profile.coverage_share": "Coverage", "profile.covered_share": "Coverage",
      "profile.coverage": "Camera coverage", "profile.covered_m2": "Covered area (m²)",
      "profile.area_m2": "Area (m²)", "profile.blind_m2": "Blind area (m²)", "value.police": "Police",
      "value.traffic": "Traffic", "value.urban_management": "Urban management", "value.smart": "Smart",
      "value.online": "Online", "value.offline": "Offline", "value.never_seen": "Never seen",
      "event.motion": "Motion", "event.line_crossing": "Line crossing", "event.intrusion": "Intrusion",
      "event.region_entrance": "Region entrance", "event.region_exit": "Region exit",
      "event.loitering": "Loitering", "event.object_left": "Object left", "event.object_removed": "Object removed",
      "event.crowd": "Crowd density", "event.wrong_way": "Wrong way", "event.fast_movement": "Fast movement",
      "event.video_loss": "Video loss", "event.tamper": "Tamper", "event.scene_change": "Scene change",
      "event.image_quality": "Image quality", "event.io_alarm": "Alarm input", "event.pir": "PIR",
      "event.anpr": "Licence plate", "event.face": "Face", "event.object": "Object detected",
      "event.device_fault": "Device fault", "event.heartbeat": "Heartbeat", "event.online": "Online",
      "event.offline": "Offline", "event.other": "Other"
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
