// stadiumflow operations dashboard. No framework, no build step: plain DOM and EventSource.
// Data: GET /api/flow/stadiums (picker), /api/flow/history (sparklines, last hour of each
// gate), and the SSE stream /api/flow/events (status snapshots + control events, live).
"use strict";

(() => {
  const HOUR_MS = 60 * 60 * 1000;
  const FEED_MAX = 30;
  const STALE_AFTER_S = 120;
  const REPLAY_SPEED = 5; // event time running this many times faster than the wall clock
  const REPLAY_WINDOW_MS = 30000;
  const RED_ABOVE_MIN = 10; // the contract: red when the wait is over 10 minutes
  const SVG_NS = "http://www.w3.org/2000/svg";
  const KINDS = ["state_changed", "anomaly_started", "anomaly_ended", "advice_changed"];
  // Each state has a word and a shape, so colour is never the only signal.
  const STATES = {
    green: { label: "GREEN", word: "Flowing",
      icon: '<circle cx="12" cy="12" r="10" fill="currentColor" opacity=".25"/><circle cx="12" cy="12" r="10" fill="none" stroke="currentColor" stroke-width="2.2"/><path d="M7 12.5l3.2 3.2L17 9" fill="none" stroke="currentColor" stroke-width="2.6" stroke-linecap="round" stroke-linejoin="round"/>' },
    yellow: { label: "YELLOW", word: "Busy",
      icon: '<path d="M12 2.5L22.5 21h-21z" fill="currentColor" opacity=".25"/><path d="M12 2.5L22.5 21h-21z" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linejoin="round"/><path d="M12 9v5.5" stroke="currentColor" stroke-width="2.6" stroke-linecap="round"/><circle cx="12" cy="17.8" r="1.5" fill="currentColor"/>' },
    red: { label: "RED", word: "Congested",
      icon: '<path d="M8 1.5h8L22.5 8v8L16 22.5H8L1.5 16V8z" fill="currentColor"/><path d="M6.5 12h11" stroke="#fff" stroke-width="3.2" stroke-linecap="round"/>' },
  };
  const ANOMALY_ICON = '<path d="M12 2l2.6 6.6L21.5 9l-5.3 4.5L18 21l-6-3.8L6 21l1.8-7.5L2.5 9l6.9-.4z" fill="currentColor"/>';

  const ui = {
    select: document.getElementById("stadium-select"),
    name: document.getElementById("stadium-name"),
    conn: document.getElementById("conn"),
    connText: document.getElementById("conn-text"),
    gates: document.getElementById("gates"),
    empty: document.getElementById("empty"),
    feed: document.getElementById("feed"),
    template: document.getElementById("tile-template"),
    rate: document.getElementById("kpi-rate"),
    red: document.getElementById("kpi-red"),
    redBox: document.getElementById("kpi-red-box"),
    worst: document.getElementById("kpi-worst"),
    fresh: document.getElementById("kpi-fresh"),
    freshBox: document.getElementById("kpi-fresh-box"),
  };
  const app = {
    stadium: null, source: null, tiles: new Map(), history: new Map(), newest: null,
    clock: { samples: [], speed: 0, movedAt: 0 },
  };

  // ---- small helpers ------------------------------------------------------------------
  const fmtMin = (w) => (w == null ? "–" : w < 1 ? "<1" : String(Math.round(w)));
  function fmtRange(lo, hi) {
    const a = Math.round(lo), b = Math.max(Math.round(hi), a);
    if (hi < 1) return "under 1 min";
    return a === b ? `about ${a} min` : `${a}–${b} min`;
  }
  const fmtTime = (iso) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const fmtInt = (n) => Math.round(n).toLocaleString();
  function fmtAge(seconds) {
    if (seconds < 60) return `${Math.max(0, Math.round(seconds))} s ago`;
    if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
    return `${Math.round(seconds / 3600)} h ago`;
  }
  function svg(tag, attrs) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    return node;
  }
  // A read key, when the server wants one, comes in the page's own URL (?code=...):
  // it is passed on to every API call (EventSource cannot send headers).
  const READ_KEY = new URLSearchParams(location.search).get("code");
  function withKey(url) {
    if (!READ_KEY) return url;
    return `${url}${url.includes("?") ? "&" : "?"}code=${encodeURIComponent(READ_KEY)}`;
  }
  async function getJSON(url) {
    const response = await fetch(withKey(url), { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return response.json();
  }
  function setConn(mode, text) {
    ui.conn.dataset.conn = mode;
    ui.connText.textContent = text;
  }

  // ---- stadium picker, remembered in the URL ---------------------------------------------
  async function loadStadiums() {
    let ids = [];
    try {
      ids = (await getJSON("/api/flow/stadiums")).stadiums.map((s) => s.stadiumId);
    } catch (err) {
      console.warn(err);
    }
    if (app.stadium && !ids.includes(app.stadium)) ids.push(app.stadium);
    const current = [...ui.select.options].map((o) => o.value).join();
    if (current !== ids.join()) {
      ui.select.replaceChildren(...ids.map((id) => new Option(id, id)));
    }
    if (app.stadium) ui.select.value = app.stadium;
    return ids;
  }

  function selectStadium(id, push) {
    if (!id || id === app.stadium) return;
    app.stadium = id;
    const url = new URL(location.href);
    url.searchParams.set("stadium", id);
    if (push) history.pushState({ stadium: id }, "", url);
    else history.replaceState({ stadium: id }, "", url);
    document.title = `${id} · stadiumflow`;
    ui.name.textContent = id;
    ui.select.value = id;
    ui.gates.replaceChildren();
    ui.feed.replaceChildren();
    app.tiles.clear();
    app.history.clear();
    app.newest = null;
    app.clock = { samples: [], speed: 0, movedAt: 0 };
    connect(id);
  }

  // ---- live stream ------------------------------------------------------------------------
  function connect(id) {
    if (app.source) app.source.close();
    setConn("connecting", "Connecting…");
    const source = new EventSource(withKey(`/api/flow/events?stadiumId=${encodeURIComponent(id)}`));
    app.source = source;
    source.addEventListener("ready", () => setConn("live", "Live"));
    source.addEventListener("status", (ev) => renderStatus(JSON.parse(ev.data)));
    for (const kind of KINDS) source.addEventListener(kind, (ev) => addFeed(JSON.parse(ev.data)));
    source.addEventListener("bye", () => setConn("down", "Server stopping…"));
    source.onerror = () => setConn(source.readyState === EventSource.CLOSED ? "down" : "connecting",
      source.readyState === EventSource.CLOSED ? "Disconnected" : "Reconnecting…");
  }

  // ---- status: header and tiles -------------------------------------------------------------
  function renderStatus(status) {
    if (status.stadiumId !== app.stadium) return;
    const gates = status.gates;
    ui.empty.hidden = gates.length > 0;
    const seen = new Set();
    gates.forEach((gate, index) => {
      seen.add(gate.gateId);
      let tile = app.tiles.get(gate.gateId);
      if (!tile) {
        tile = makeTile(gate.gateId);
        app.tiles.set(gate.gateId, tile);
        loadHistory(gate);
      }
      if (ui.gates.children[index] !== tile.root) ui.gates.insertBefore(tile.root, ui.gates.children[index] || null);
      recordPoint(gate);
      updateTile(tile, gate);
    });
    for (const [id, tile] of app.tiles) {
      if (!seen.has(id)) { tile.root.remove(); app.tiles.delete(id); }
    }
    renderHeader(gates, status.last_updated);
  }

  function renderHeader(gates, newest) {
    const rate = gates.reduce((sum, g) => sum + (g.perMinuteCount || 0), 0);
    const red = gates.filter((g) => g.state === "red").length;
    const worst = gates.reduce((w, g) => (w == null || g.wait > w.wait ? g : w), null);
    ui.rate.textContent = gates.length ? fmtInt(rate) : "–";
    ui.red.innerHTML = "";
    ui.red.append(String(red), Object.assign(document.createElement("small"), { textContent: ` / ${gates.length}` }));
    ui.redBox.classList.toggle("alert", red > 0);
    ui.worst.innerHTML = "";
    if (worst) {
      ui.worst.append(`${fmtMin(worst.wait)} min`, Object.assign(document.createElement("small"), { textContent: ` · ${worst.gateId}` }));
    } else {
      ui.worst.textContent = "–";
    }
    app.newest = newest || null;
    noteEventClock(app.newest);
    tickFreshness();
  }

  // A replay (the demo, a load test) sends old event times much faster than real time:
  // "3 h ago" would be true and useless. When the newest event time has run at least
  // REPLAY_SPEED times faster than the wall clock over the last few seconds, the header
  // says so ("replay ×60") instead, and turns stale only once it stops moving.
  function noteEventClock(newest) {
    const now = Date.now();
    const event = newest ? Date.parse(newest) : NaN;
    const samples = app.clock.samples;
    if (!Number.isFinite(event)) return;
    if (!samples.length || event > samples[samples.length - 1].event) {
      samples.push({ wall: now, event });
      app.clock.movedAt = now;
    }
    while (samples.length > 2 && now - samples[0].wall > REPLAY_WINDOW_MS) samples.shift();
    const first = samples[0], last = samples[samples.length - 1];
    const wall = last.wall - first.wall;
    app.clock.speed = wall >= 2000 ? (last.event - first.event) / wall : app.clock.speed;
  }

  function tickFreshness() {
    if (!app.newest) { ui.fresh.textContent = "–"; return; }
    const age = (Date.now() - Date.parse(app.newest)) / 1000;
    const still = (Date.now() - app.clock.movedAt) / 1000;
    const replay = app.clock.speed >= REPLAY_SPEED && still < STALE_AFTER_S;
    ui.fresh.innerHTML = "";
    const note = replay ? `replay ×${Math.round(app.clock.speed)}` : fmtAge(age);
    ui.fresh.append(fmtTime(app.newest), Object.assign(document.createElement("small"), { textContent: ` · ${note}` }));
    ui.freshBox.classList.toggle("stale", replay ? false : age > STALE_AFTER_S);
    ui.freshBox.classList.toggle("replay", replay);
  }

  function makeTile(gateId) {
    const root = ui.template.content.firstElementChild.cloneNode(true);
    const part = (cls) => root.querySelector(`.${cls}`);
    root.dataset.gate = gateId;
    part("gate-id").textContent = gateId;
    return {
      root, state: null,
      icon: part("state-icon"), label: part("state-label"), wait: part("wait-value"),
      interval: part("interval"), forecast: part("forecast"), spark: part("spark"), peak: part("spark-peak"),
      badges: part("badges"), advice: part("advice"), facts: part("facts"),
    };
  }

  function updateTile(tile, gate) {
    const look = STATES[gate.state] || STATES.green;
    if (tile.state !== gate.state) {
      if (tile.state !== null) {
        tile.root.classList.remove("changed");
        void tile.root.offsetWidth; // restart the flash animation
        tile.root.classList.add("changed");
      }
      tile.state = gate.state;
      tile.root.dataset.state = gate.state;
      tile.icon.innerHTML = look.icon;
      tile.label.textContent = `${look.label} · ${look.word}`;
    }
    tile.wait.textContent = fmtMin(gate.wait);
    tile.interval.innerHTML = "";
    if (gate.waitLow != null && gate.waitHigh != null) {
      tile.interval.append("range ", Object.assign(document.createElement("strong"), { textContent: fmtRange(gate.waitLow, gate.waitHigh) }));
    }
    tile.forecast.innerHTML = "";
    if (gate.waitIn15 != null) {
      const delta = gate.waitIn15 - gate.wait;
      const arrow = delta > 0.5 ? "↑" : delta < -0.5 ? "↓" : "→";
      tile.forecast.append("in 15 min ", Object.assign(document.createElement("strong"), { textContent: `${fmtMin(gate.waitIn15)} min ${arrow}` }));
    }
    tile.badges.replaceChildren();
    if (gate.anomaly) {
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.append(svg("svg", { viewBox: "0 0 24 24", "aria-hidden": "true" }));
      badge.firstChild.innerHTML = ANOMALY_ICON;
      const since = gate.anomalySince ? ` since ${fmtTime(gate.anomalySince)}` : "";
      badge.append(`${(gate.anomalyKind || "anomaly").replace(/_/g, " ")}${since}`);
      badge.title = `anomaly score ${gate.anomalyScore}`;
      tile.badges.append(badge);
    }
    const risky = (v) => v != null && v > RED_ABOVE_MIN;
    if (gate.state !== "red" && (risky(gate.waitHigh) || risky(gate.waitIn15))) {
      // Not red yet, but its 90% bound or its 15-minute forecast is: stewards can act early.
      const risk = document.createElement("span");
      risk.className = "risk";
      risk.textContent = "may turn red";
      risk.title = `90% bound ${fmtMin(gate.waitHigh)} min, in 15 min ${fmtMin(gate.waitIn15)} min`;
      tile.badges.append(risk);
    }
    const message = gate.recommendation && gate.recommendation.message;
    tile.advice.hidden = !message;
    tile.advice.textContent = message || "";
    tile.facts.textContent = `queue ${fmtInt(gate.queueLength)} · ${fmtInt(gate.perMinuteCount)}/min · ${gate.avgProcessingTime.toFixed(1)} s/fan · ${fmtTime(gate.last_updated)}`;
    tile.root.setAttribute("aria-label", `Gate ${gate.gateId}: ${look.label.toLowerCase()}, ${look.word.toLowerCase()}, wait ${fmtMin(gate.wait)} minutes`);
    drawSpark(tile, gate);
  }

  // ---- sparklines: the last hour of event time -------------------------------------------------
  function recordPoint(gate) {
    const points = app.history.get(gate.gateId) || [];
    const t = Date.parse(gate.last_updated);
    if (!points.length || t > points[points.length - 1].t) {
      points.push({ t, w: gate.wait, lo: gate.waitLow, hi: gate.waitHigh });
    }
    while (points.length && points[0].t < t - HOUR_MS) points.shift();
    app.history.set(gate.gateId, points);
  }

  async function loadHistory(gate) {
    const stadium = app.stadium;
    const from = new Date(Date.parse(gate.last_updated) - HOUR_MS).toISOString();
    const loaded = [];
    let cursor = null;
    try {
      for (let page = 0; page < 5; page++) {
        const q = new URLSearchParams({ stadiumId: stadium, gateId: gate.gateId, from, limit: "1000" });
        if (cursor) q.set("cursor", cursor);
        const body = await getJSON(`/api/flow/history?${q}`);
        for (const it of body.items) loaded.push({ t: Date.parse(it.ts), w: it.wait, lo: it.waitLow, hi: it.waitHigh });
        cursor = body.next;
        if (!cursor) break;
      }
    } catch (err) {
      console.warn(err);
      return;
    }
    if (stadium !== app.stadium) return;
    const live = app.history.get(gate.gateId) || [];
    const last = loaded.length ? loaded[loaded.length - 1].t : -Infinity;
    app.history.set(gate.gateId, loaded.concat(live.filter((p) => p.t > last)));
    const tile = app.tiles.get(gate.gateId);
    if (tile) drawSpark(tile, gate);
  }

  function drawSpark(tile, gate) {
    const W = 300, H = 56;
    const points = app.history.get(gate.gateId) || [];
    const end = Date.parse(gate.last_updated), start = end - HOUR_MS;
    const top = Math.max(12, ...points.map((p) => (p.hi != null ? p.hi : p.w))) * 1.12;
    const x = (t) => (((t - start) / HOUR_MS) * W).toFixed(1);
    const y = (w) => (H - (Math.min(w, top) / top) * H).toFixed(1);
    const nodes = [
      svg("rect", { class: "zone-red", x: 0, y: 0, width: W, height: y(10) }),
      svg("rect", { class: "zone-yellow", x: 0, y: y(10), width: W, height: y(5) - y(10) }),
      svg("line", { class: "limit", x1: 0, x2: W, y1: y(10), y2: y(10) }),
      svg("line", { class: "limit", x1: 0, x2: W, y1: y(5), y2: y(5) }),
    ];
    const banded = points.filter((p) => p.lo != null && p.hi != null);
    if (banded.length > 1) {
      const upper = banded.map((p) => `${x(p.t)},${y(p.hi)}`);
      const lower = banded.slice().reverse().map((p) => `${x(p.t)},${y(p.lo)}`);
      nodes.push(svg("polygon", { class: "band", points: upper.concat(lower).join(" ") }));
    }
    if (points.length > 1) {
      nodes.push(svg("polyline", { class: "line", points: points.map((p) => `${x(p.t)},${y(p.w)}`).join(" ") }));
    }
    const title = svg("title");
    const waits = points.map((p) => p.w);
    tile.peak.textContent = points.length ? `peak ${fmtMin(Math.max(...waits))} min` : "";
    title.textContent = points.length
      ? `Wait over the last hour: ${fmtMin(Math.min(...waits))} to ${fmtMin(Math.max(...waits))} min`
      : "No history yet";
    nodes.push(title);
    tile.spark.replaceChildren(...nodes);
  }

  // ---- control feed -----------------------------------------------------------------------
  function describe(ev) {
    const d = ev.data || {};
    switch (ev.kind) {
      case "state_changed":
        return { tone: d.to, text: `${(d.to || "").toUpperCase()}${d.from ? ` (was ${d.from})` : ""}, wait ${fmtMin(d.wait)} min` };
      case "anomaly_started":
        return { tone: "anomaly", text: `anomaly: ${(d.kind || "unusual flow").replace(/_/g, " ")}` };
      case "anomaly_ended":
        return { tone: "anomaly", text: `anomaly over${d.kind ? ` (${d.kind.replace(/_/g, " ")})` : ""}` };
      case "advice_changed":
        return { tone: "advice", text: d.advice && d.advice.message ? d.advice.message : "advice withdrawn" };
      default:
        return { tone: "", text: ev.kind };
    }
  }

  function addFeed(ev) {
    if (ev.stadiumId !== app.stadium) return;
    const { tone, text } = describe(ev);
    const item = document.createElement("li");
    item.dataset.tone = tone || "";
    item.dataset.kind = ev.kind;
    const when = document.createElement("time");
    when.dateTime = ev.ts;
    when.textContent = fmtTime(ev.ts);
    const where = document.createElement("b");
    where.textContent = ev.gateId || ev.stadiumId;
    item.append(when, where, text);
    ui.feed.prepend(item);
    while (ui.feed.children.length > FEED_MAX) ui.feed.lastElementChild.remove();
  }

  // ---- start --------------------------------------------------------------------------------
  async function start() {
    const wanted = new URLSearchParams(location.search).get("stadium");
    if (wanted) app.stadium = null;
    const ids = await loadStadiums();
    const first = wanted || ids[0];
    if (first) {
      if (!ids.includes(first)) ui.select.append(new Option(first, first));
      selectStadium(first, false);
    } else {
      ui.empty.hidden = false;
      ui.name.textContent = "no stadium reporting yet";
      setConn("connecting", "Waiting for data…");
    }
    ui.select.addEventListener("change", () => selectStadium(ui.select.value, true));
    window.addEventListener("popstate", () => {
      const id = new URLSearchParams(location.search).get("stadium");
      if (id) selectStadium(id, false);
    });
    setInterval(tickFreshness, 1000);
    setInterval(async () => {
      const known = await loadStadiums();
      if (!app.stadium && known.length) selectStadium(known[0], false);
    }, 15000);
  }

  start();
})();
