// The zone director's special report (专报) as a page: edit the wording and
// the look here. server/special_report.cc fills each {{name}} with text it
// has already escaped for HTML (or with table rows and list items it built
// from escaped text); a {{name}} it does not know stays as it is, so a typo
// shows on the page instead of vanishing.
//
// The placeholders:
//   {{title}}        片区 + 活动 + 专报
//   {{zone}}         the zone's name        {{campaign}}  the campaign's name
//   {{date}}         the date the figures are as of (China Standard Time)
//   {{summary}}      the paragraph generated from the figures
//   {{sites}}        <tr> rows: each site inspected, its visits and inspectors
//   {{not_visited}}  <li> items: assigned sites not yet inspected
//   {{categories}}   <tr> rows: findings per category, with examples
//   {{overdue}}      <tr> rows: overdue findings
//   {{notices}}      <tr> rows: rectification notices issued
//   {{verifications}} a sentence on the verifications made
#ifndef INSPECTSYNC_SERVER_SPECIAL_REPORT_TEMPLATE_H_
#define INSPECTSYNC_SERVER_SPECIAL_REPORT_TEMPLATE_H_

namespace inspectsync::server {

inline constexpr char kSpecialReportTemplate[] = R"html(<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{{title}}</title>
<style>
  body { font-family: "Noto Serif CJK SC", "SimSun", serif; max-width: 48em; margin: 2em auto; line-height: 1.7; color: #111; }
  h1 { text-align: center; font-size: 1.6em; margin-bottom: 0.2em; }
  .meta { text-align: center; color: #444; margin-bottom: 1.5em; }
  h2 { font-size: 1.15em; border-bottom: 1px solid #999; margin-top: 1.6em; }
  table { border-collapse: collapse; width: 100%; margin: 0.6em 0; }
  th, td { border: 1px solid #666; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
  th { background: #eee; }
  td.n { text-align: right; white-space: nowrap; }
  .summary { text-indent: 2em; }
  .empty { color: #555; }
  @media print {
    @page { size: A4; margin: 2cm 1.8cm; }
    body { margin: 0; max-width: none; font-size: 11pt; }
    h2 { page-break-after: avoid; }
    tr, li { page-break-inside: avoid; }
    th { background: none; }
  }
</style>
</head>
<body>
<h1>{{title}}</h1>
<p class="meta">{{zone}}片区 · {{campaign}} · 截至{{date}}</p>

<h2>一、总体情况</h2>
<p class="summary">{{summary}}</p>

<h2>二、检查覆盖</h2>
<table>
<thead><tr><th>学校（幼儿园）</th><th>检查次数</th><th>检查人员</th></tr></thead>
<tbody>
{{sites}}
</tbody>
</table>
<p>尚未检查的学校（幼儿园）：</p>
<ul>
{{not_visited}}
</ul>

<h2>三、发现问题（按类别）</h2>
<table>
<thead><tr><th>类别</th><th>问题数</th><th>已整改销号</th><th>跟踪中</th><th>逾期</th><th>问题举例</th></tr></thead>
<tbody>
{{categories}}
</tbody>
</table>

<h2>四、逾期未整改问题</h2>
<table>
<thead><tr><th>学校（幼儿园）</th><th>问题</th><th>整改期限</th><th>逾期天数</th></tr></thead>
<tbody>
{{overdue}}
</tbody>
</table>

<h2>五、整改通知与复查</h2>
<table>
<thead><tr><th>通知编号</th><th>学校（幼儿园）</th><th>下发日期</th><th>整改期限</th><th>涉及问题</th></tr></thead>
<tbody>
{{notices}}
</tbody>
</table>
<p>{{verifications}}</p>
</body>
</html>
)html";

}  // namespace inspectsync::server

#endif  // INSPECTSYNC_SERVER_SPECIAL_REPORT_TEMPLATE_H_
