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

  function heatmap() {
    var map = data("heatmap-data"), node = document.getElementById("heatmap");
    if (!map || !node) return;
    node.style.height = Math.max(240, 60 + map.y.length * 28) + "px";
    echarts.init(node).setOption({
      tooltip: { formatter: function (p) { return map.y[p.value[1]] + " 第" + map.x[p.value[0]] + "项：" + NAMES[map.statuses[p.value[2]]]; } },
      grid: { left: 170, right: 20, top: 10, bottom: 60 },
      xAxis: { type: "category", data: map.x, name: "指标序号", nameLocation: "middle", nameGap: 28 },
      yAxis: { type: "category", data: map.y, inverse: true },
      visualMap: { type: "piecewise", orient: "horizontal", left: "center", bottom: 0,
        pieces: map.statuses.map(function (s, i) { return { value: i, label: NAMES[s], color: COLORS[s] }; }) },
      series: [{ type: "heatmap", data: map.cells, itemStyle: { borderColor: "#fff", borderWidth: 1 } }],
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

  document.addEventListener("DOMContentLoaded", function () { regionCharts(); heatmap(); autosave(); });
  document.addEventListener("htmx:afterSettle", regionCharts);
})();
