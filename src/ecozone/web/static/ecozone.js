// Charts of the region page and the board, drawn with the vendored ECharts from data the
// server puts in <script type="application/json"> blocks (no inline scripts: the CSP forbids them).
(function () {
  "use strict";
  var COLORS = { met: "#66BB6A", not_met: "#EF5350", missing: "#FFEE58", needs_review: "#FFCA28", not_applicable: "#E0E0E0" };
  var NAMES = { met: "达标", not_met: "未达标", missing: "缺数据", needs_review: "待核实", not_applicable: "不适用" };

  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function trendChart(node, chart) {
    var years = [];
    chart.series.forEach(function (s) { s.years.forEach(function (y) { if (years.indexOf(y) < 0) years.push(y); }); });
    years.sort();
    var series = [], targets = [];
    chart.series.forEach(function (s) {
      if (s.target !== null && s.target !== undefined) targets.push(s.target);
      var byYear = {};
      s.years.forEach(function (y, i) { byYear[y] = s.values[i]; });
      var line = { name: s.name, type: "line", data: years.map(function (y) { return y in byYear ? byYear[y] : null; }) };
      if (s.target !== null && s.target !== undefined) {
        line.markLine = { symbol: "none", data: [{ yAxis: s.target, name: "目标" }], label: { formatter: "目标 {c}" } };
      }
      series.push(line);
    });
    echarts.init(node).setOption({
      tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: { left: 60, right: 60, top: 30, bottom: 30 },
      xAxis: { type: "category", data: years.map(String) },
      // the target line must be in view even when every value is far from it
      yAxis: { type: "value", name: chart.unit, scale: true,
        min: function (v) { return Math.floor(Math.min.apply(null, [v.min].concat(targets))); },
        max: function (v) { return Math.ceil(Math.max.apply(null, [v.max].concat(targets))); } },
      series: series,
    });
  }

  function regionCharts() {
    var charts = data("chart-data");
    if (!charts) return;
    document.querySelectorAll("details[data-indicator]").forEach(function (box) {
      box.addEventListener("toggle", function () {
        var node = box.querySelector(".chart");
        if (box.open && node && !node.dataset.drawn && charts[box.dataset.indicator]) {
          trendChart(node, charts[box.dataset.indicator]);
          node.dataset.drawn = "1";
        }
      });
    });
  }

  // Region names come from users' files: whatever a tooltip shows is escaped, never read as HTML.
  function esc(text) { return echarts.format.encodeHTML(String(text)); }

  function heatmap() {
    var map = data("heatmap-data"), node = document.getElementById("heatmap");
    if (!map || !node) return;
    node.style.height = Math.max(320, 200 + map.y.length * 28) + "px";
    var chart = echarts.init(node);
    chart.setOption({
      tooltip: { formatter: function (p) {
        var x = p.value[0], y = p.value[1];
        return esc(map.y[y]) + "<br>第" + esc(map.x[x]) + "项 " + esc(map.names[x]) + "：<b>" +
          esc(NAMES[map.statuses[p.value[2]]]) + "</b>" + (p.data.said ? "<br>" + esc(p.data.said) : "");
      }, extraCssText: "max-width: 360px; white-space: normal;" },
      grid: { left: 150, right: 20, top: 10, bottom: 190 },
      xAxis: { type: "category", data: map.x, axisLabel: { interval: 0, rotate: 90, fontSize: 11,
        // the column's number and the start of its name; the tooltip has the whole name
        formatter: function (value, i) { var n = map.names[i] || ""; return value + " " + (n.length > 11 ? n.slice(0, 10) + "…" : n); } } },
      yAxis: { type: "category", data: map.y, inverse: true, axisLabel: { interval: 0 } },
      visualMap: { type: "piecewise", orient: "horizontal", left: "center", bottom: 0,
        pieces: map.statuses.map(function (s, i) { return { value: i, label: NAMES[s], color: COLORS[s] }; }) },
      series: [{ type: "heatmap", data: map.cells, itemStyle: { borderColor: "#fff", borderWidth: 1 } }],
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  var VERDICT_COLORS = { ready: "#66BB6A", not_ready: "#EF5350", vetoed: "#8E24AA", incomplete: "#FFCA28" };

  function verdictScale(labels) {
    var codes = labels.map(function (l) { return l[0]; }).filter(function (c) { return c in VERDICT_COLORS; });
    var text = {};
    labels.forEach(function (l) { text[l[0]] = l[1]; });
    return { codes: codes, text: text, visualMap: { type: "piecewise", orient: "horizontal", left: "center", bottom: 0,
      pieces: codes.map(function (c, i) { return { value: i, label: text[c], color: VERDICT_COLORS[c] }; }) } };
  }

  // Without the user's boundaries: one square per region in code order, no geography claimed.
  function tileMap() {
    var node = document.getElementById("tile-map"), found = data("map-data");
    if (!node || !found) return;
    var scale = verdictScale(found.labels), tiles = found.tiles;
    var columns = Math.max.apply(null, tiles.map(function (t) { return t.x; }).concat([0])) + 1;
    var rows = Math.max.apply(null, tiles.map(function (t) { return t.y; }).concat([0])) + 1;
    node.style.height = Math.min(560, 70 + rows * 80) + "px";
    var chart = echarts.init(node);
    chart.setOption({
      tooltip: { formatter: function (p) { var t = tiles[p.dataIndex]; return esc(t.name + "（" + t.region + "）") + "：" + esc(scale.text[t.verdict]); } },
      grid: { left: 10, right: 10, top: 10, bottom: 50 },
      xAxis: { type: "category", data: Array.apply(null, Array(columns)).map(function (_, i) { return i; }), show: false },
      yAxis: { type: "category", data: Array.apply(null, Array(rows)).map(function (_, i) { return i; }), show: false, inverse: true },
      visualMap: scale.visualMap,
      series: [{ type: "heatmap", itemStyle: { borderColor: "#fff", borderWidth: 4 },
        label: { show: true, color: "#222", fontSize: 13, formatter: function (p) { return tiles[p.dataIndex].name; } },
        data: tiles.map(function (t) { return [t.x, t.y, scale.codes.indexOf(t.verdict)]; }) }],
    });
    chart.on("click", function (p) { window.location.href = "/regions/" + tiles[p.dataIndex].region; });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  // With the user's boundaries (GeoJSON with its 审图号): each feature carries the region code it matched.
  function boundaryMap() {
    var node = document.getElementById("map-chart"), found = data("map-data");
    if (!node || !found) return;
    var scale = verdictScale(found.labels), byCode = {};
    found.tiles.forEach(function (t) { byCode[t.region] = t; });
    fetch(node.dataset.source, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    }).then(function (geojson) {
      echarts.registerMap("scope", geojson);
      var names = {};
      geojson.features.forEach(function (f) { names[f.properties.ecozone_code] = f.properties.name; });
      var chart = echarts.init(node);
      chart.setOption({
        tooltip: { formatter: function (p) {
          var t = byCode[p.name];
          return esc((t ? t.name : names[p.name] || "") + (t ? "（" + t.region + "）：" + scale.text[t.verdict] : "：不在评估范围内"));
        } },
        visualMap: scale.visualMap,
        series: [{ type: "map", map: "scope", nameProperty: "ecozone_code", roam: true, top: 10, bottom: 50,
          // the store's name of the region; the file's own name only for a feature outside the evaluation
          label: { show: true, fontSize: 12, formatter: function (p) { return byCode[p.name] ? byCode[p.name].name : names[p.name] || ""; } },
          itemStyle: { borderColor: "#fff", areaColor: "#E0E0E0" },
          data: found.tiles.map(function (t) { return { name: t.region, value: scale.codes.indexOf(t.verdict) }; }) }],
      });
      chart.on("click", function (p) { if (byCode[p.name]) window.location.href = "/regions/" + p.name; });
      window.addEventListener("resize", function () { chart.resize(); });
    }).catch(function () { node.textContent = "地图加载失败，请刷新页面重试。"; });
  }

  // Reports take seconds (a PDF about 3 s a county, a zip of all much longer): the download is fetched here,
  // with the seconds counting at the foot of the page, and then saved under the server's file name.
  function slowDownloads() {
    var status = document.querySelector(".download-status");
    if (!status) return;
    var busy = false;
    function fileName(response, fallback) {
      var said = response.headers.get("Content-Disposition") || "", found = /filename\*=UTF-8''([^;]+)/.exec(said);
      return found ? decodeURIComponent(found[1]) : fallback;
    }
    function fetchFile(url, what) {
      if (busy) { status.textContent = "上一个下载还在生成，请稍候。"; return; }
      busy = true;
      var started = Date.now();
      function tick() { status.textContent = "正在生成「" + what + "」，已用 " + Math.round((Date.now() - started) / 1000) + " 秒……"; }
      tick();
      var timer = setInterval(tick, 1000);
      fetch(url, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) {
          return response.text().then(function (text) {
            var detail = text;
            try { detail = JSON.parse(text).detail; } catch (e) { /* a page, not JSON */ }
            throw new Error(detail || ("服务器返回 " + response.status));
          });
        }
        var name = fileName(response, what);
        return response.blob().then(function (blob) {
          var link = document.createElement("a");
          link.href = URL.createObjectURL(blob);
          link.download = name;
          document.body.appendChild(link);
          link.click();
          setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 60000);
          status.textContent = "已下载「" + name + "」（用时 " + Math.round((Date.now() - started) / 1000) + " 秒）。";
        });
      }).catch(function (error) {
        status.textContent = "下载失败：" + (error.message || "网络错误") + "。请重试。";
      }).then(function () { clearInterval(timer); busy = false; });
    }
    document.querySelectorAll("a.slow").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        fetchFile(link.href, link.getAttribute("aria-label") || link.textContent.trim());
      });
    });
    document.querySelectorAll("form.slow").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var query = new URLSearchParams(new FormData(form)).toString();
        fetchFile(form.action + (query ? "?" + query : ""), "各地报告打包");
      });
    });
  }

  // The questionnaire: a changed question is saved alone through the API, at the version the page holds;
  // the other questions' inputs are never read or touched, so nothing typed elsewhere is lost.
  function autosave() {
    var form = document.getElementById("questionnaire");
    if (!form) return;
    var csrf = form.querySelector("input[name=csrf]").value, region = form.dataset.region;
    form.querySelectorAll("fieldset[data-condition]").forEach(function (box) {
      var id = box.dataset.condition, status = box.querySelector(".autosave");
      function value(name) {
        var node = box.querySelector("[name='" + name + "__" + id + "']" + (name === "answer" ? ":checked" : ""));
        return node ? node.value : "";
      }
      box.addEventListener("change", function (event) {
        if (event.target.type === "file") { status.textContent = "证明材料将在「保存全部回答」时上传。"; return; }
        var version = box.querySelector("[name='version__" + id + "']");
        status.textContent = "正在保存……";
        fetch("/api/regions/" + region + "/answers/" + id, {
          method: "PUT", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
          body: JSON.stringify({ answer: value("answer") || "unknown", version: parseInt(version.value, 10),
            document: value("document") || null, date: value("date") || null, note: value("note") || null }),
        }).then(function (response) {
          return response.json().then(function (body) { return { ok: response.ok, body: body }; });
        }).then(function (result) {
          if (result.ok) {
            version.value = result.body.version;
            status.textContent = "已自动保存（第 " + result.body.version + " 版）";
            status.className = "autosave muted";
          } else {
            var detail = result.body.detail;
            if (Array.isArray(detail)) detail = detail.map(function (d) { return d.msg; }).join("；");
            status.textContent = "未保存：" + (detail || "请检查填写内容");
            status.className = "autosave error";
          }
        }).catch(function () { status.textContent = "未保存：网络错误，请点「保存全部回答」"; status.className = "autosave error"; });
      });
    });
  }

  // Tables that become cards on a phone (class "cards"): each cell is labelled with its column's heading, read
  // from the table's own header row, so the label is always the heading the wide screen shows.
  function cardLabels() {
    document.querySelectorAll("table.cards").forEach(function (table) {
      var heads = Array.prototype.map.call(table.rows[0].cells, function (cell) { return cell.textContent.trim(); });
      Array.prototype.slice.call(table.rows, 1).forEach(function (row) {
        Array.prototype.forEach.call(row.cells, function (cell, i) { if (heads[i]) cell.dataset.label = heads[i]; });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    cardLabels(); regionCharts(); heatmap(); tileMap(); boundaryMap(); slowDownloads(); autosave();
  });
  document.addEventListener("htmx:afterSettle", regionCharts);
})();
