// The district at a glance: findings by zone and by category, stacked by
// status (Chart.js, Debian's build, global Chart), the overdue count, open
// conflicts, and a campaign's coverage per zone. Live: the figures and the
// charts update in place when the store moves.
import {rpc} from '../api.js';
import {field, h, section, select, table} from '../dom.js';
import {dateTime, label, num, t} from '../i18n.js';
import {directory} from '../state.js';

const STATUS_COLOURS = {
  DRAFT: '#98a2b3', OPEN: '#f79009', NOTIFIED: '#2e90fa', IN_RECTIFICATION: '#7a5af8', RECTIFIED: '#12b76a',
  REOPENED: '#d92d20', CLOSED: '#667085', VOIDED: '#d0d5dd',
};

// counts [{zone_name, category, status, findings}] -> Chart.js data with
// one stacked dataset per status over `keyOf`'s labels.
function chartData(counts, keyOf) {
  const labels = [...new Set(counts.map(keyOf))].sort();
  const statuses = [...new Set(counts.map((c) => c.status))];
  return {
    labels,
    datasets: statuses.map((s) => ({
      label: label(s),
      backgroundColor: STATUS_COLOURS[s] || '#888',
      data: labels.map((l) => counts.filter((c) => keyOf(c) === l && c.status === s)
        .reduce((a, c) => a + num(c.findings), 0)),
    })),
  };
}

export async function render(main, params, app) {
  const overdue = h('span', {class: 'n', 'data-testid': 'overdue-count'}, '…');
  const followed = h('span', {class: 'n', 'data-testid': 'findings-count'}, '…');
  const conflicts = h('span', {class: 'n', 'data-testid': 'open-conflicts'}, '…');
  const asOf = h('p', {class: 'muted', 'data-testid': 'as-of'});
  const zoneCanvas = h('canvas', {'data-testid': 'chart-zones', role: 'img', 'aria-label': t('by_zone')});
  const categoryCanvas = h('canvas', {'data-testid': 'chart-categories', role: 'img', 'aria-label': t('by_category')});
  const zoneTable = h('div', {class: 'table-wrap'});
  const coverageBox = h('div', {'data-testid': 'coverage'});
  const dir = await directory();
  const campaigns = dir.campaigns.filter((c) => c.active !== false);
  const preferred = campaigns.find((c) => c.campaign_status === 'ACTIVE') || campaigns[0];
  const campaignPick = select({'data-testid': 'coverage-campaign'},
    campaigns.map((c) => ({value: c.id, label: `${c.name} (${label(c.campaign_status)})`})), preferred?.id);

  main.append(
    h('h1', {}, t('nav_glance')), asOf,
    h('div', {class: 'tiles'},
      h('div', {class: 'tile'}, followed, t('findings_total')),
      h('a', {class: 'tile bad', href: '#/problems', 'data-testid': 'overdue-link'}, overdue, t('overdue')),
      h('div', {class: 'tile'}, conflicts, t('open_conflicts'))),
    h('div', {class: 'charts'},
      section(t('by_zone'), h('div', {class: 'chart-box'}, zoneCanvas)),
      section(t('by_category'), h('div', {class: 'chart-box'}, categoryCanvas))),
    section(`${t('by_zone')} · ${t('overdue')}`, zoneTable),
    section(t('coverage'), campaigns.length ? field(t('campaign'), campaignPick) : h('p', {class: 'muted'}, t('none')),
      coverageBox));

  const charts = [];
  function draw(canvas, data, index) {
    if (typeof Chart === 'undefined') return;   // Chart.js failed to load: the tables still say it
    if (charts[index]) {
      charts[index].data = data;
      charts[index].update('none');
      return;
    }
    charts[index] = new Chart(canvas, {type: 'bar', data, options: {
      responsive: true, maintainAspectRatio: false, animation: false,
      scales: {x: {stacked: true}, y: {stacked: true, beginAtZero: true, ticks: {precision: 0}}},
    }});
  }

  async function loadCounts() {
    const [report, summary] = await Promise.all([
      rpc('OfficeService', 'CountProblems', {}),
      // A role the summary refuses still sees its findings: the tile says "—".
      rpc('IntegrationService', 'Summary', {}).catch(() => null),
    ]);
    const counts = report.counts || [];
    followed.textContent = String(num(report.findings));
    overdue.textContent = String(num(report.overdue));
    conflicts.textContent = summary ? String(num(summary.open_conflicts)) : '—';
    asOf.textContent = t('as_of', dateTime(report.as_of_ms));
    draw(zoneCanvas, chartData(counts, (c) => c.zone_name || '—'), 0);
    draw(categoryCanvas, chartData(counts, (c) => c.category || '—'), 1);
    const zones = new Map();
    for (const c of counts) {
      const z = zones.get(c.zone_name || '—') || {findings: 0, overdue: 0};
      z.findings += num(c.findings);
      z.overdue += num(c.overdue);
      zones.set(c.zone_name || '—', z);
    }
    const open = new Map((summary?.conflicts || []).map((c) => [c.zone_name || '—', num(c.open)]));
    zoneTable.replaceChildren(table('zone-counts', [t('zone'), t('findings_total'), t('overdue'), t('open_conflicts')],
      [...zones].sort().map(([name, z]) => ({attrs: {class: z.overdue ? 'overdue' : ''},
        cells: [name, String(z.findings), String(z.overdue), summary ? String(open.get(name) || 0) : '—']}))));
  }

  async function loadCoverage() {
    if (!campaignPick.value) return;
    const p = await rpc('ReportService', 'CampaignProgress', {campaign_id: campaignPick.value});
    coverageBox.replaceChildren(coverageTable(p.zones || [], t('zone'), 'coverage-zones'));
  }
  campaignPick.addEventListener('change', () => loadCoverage().catch((e) => app.showError(e)));

  const refresh = async () => {
    try { await Promise.all([loadCounts(), loadCoverage()]); } catch (e) { app.showError(e); }
  };
  await refresh();
  let timer = null;
  return {
    onChange() { clearTimeout(timer); timer = setTimeout(refresh, 150); },
    destroy() { clearTimeout(timer); charts.forEach((c) => c?.destroy()); },
  };
}

// Progress rows (zones or teams): assigned, inspected, total, the sites not
// yet visited. Shared with the campaigns view.
export function coverageTable(rows, nameHeader, testid) {
  return table(testid, [nameHeader, t('total_sites'), t('assigned'), t('inspected'), '', t('not_visited')],
    rows.map((r) => {
      const assigned = num(r.assigned);
      const inspected = num(r.inspected);
      return [r.name || '—', String(num(r.total)), String(assigned), String(inspected),
        h('progress', {max: Math.max(assigned, 1), value: Math.min(inspected, Math.max(assigned, 1))}),
        notVisited(r.not_visited || [])];
    }));
}

// A long list folds away behind its count.
function notVisited(sites) {
  if (!sites.length) return '—';
  const text = sites.map((s) => [s.code, s.name].filter(Boolean).join(' ')).join('、');
  if (sites.length <= 5) return text;
  return h('details', {}, h('summary', {}, t('n_sites', sites.length)), h('p', {class: 'desc'}, text));
}
