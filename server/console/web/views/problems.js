// The problem list: OfficeService/ListProblems with the filters people use,
// a page at a time from the server, overdue rows marked, a tick per row for
// issuing a notice, and the same query as an Excel-friendly CSV. Filters and
// the page stay while the list refreshes itself on the live feed.
import {rpc} from '../api.js';
import {field, h, select} from '../dom.js';
import {date, label, num, siteName, t} from '../i18n.js';
import {directory, saveSelection, selection} from '../state.js';

const KEY = 'inspectsync.problems';
const STATUSES = ['DRAFT', 'OPEN', 'NOTIFIED', 'IN_RECTIFICATION', 'RECTIFIED', 'REOPENED', 'CLOSED', 'VOIDED'];

function loadFilters() {
  try { return {zone: '', site: '', campaign: '', sample: '', status: '', category: '', overdue: false,
    ...JSON.parse(sessionStorage.getItem(KEY) || '{}')}; } catch (e) { return {}; }
}

// The filters as a ProblemQuery (proto3 JSON).
export function queryOf(f) {
  const q = {};
  if (f.zone) q.zone_ids = [f.zone];
  if (f.site) q.site_ids = [f.site];
  if (f.campaign) q.campaign_ids = [f.campaign];
  if (f.sample) q.sample_campaign_id = f.sample;
  if (f.status) q.statuses = [f.status];
  if (f.category) q.categories = [f.category];
  if (f.overdue) q.overdue_only = true;
  return q;
}

export async function render(main, params, app) {
  const filters = loadFilters();
  let tokens = [''];       // page tokens of the pages seen; the last is the current page's
  let chosen = selection();
  const dir = await directory();
  const counts = await rpc('OfficeService', 'CountProblems', {statuses: STATUSES}).catch(() => ({counts: []}));
  const categories = [...new Set((counts.counts || []).map((c) => c.category).filter(Boolean))].sort();

  const opt = (list) => [{value: '', label: t('all')}, ...list];
  const zoneOpts = [...dir.zones.values()].map((z) => ({value: z.id, label: z.name}));
  const siteOpts = () => [...dir.sites.values()].filter((s) => !filters.zone || s.zone_id === filters.zone)
    .map((s) => ({value: s.id, label: siteName(s.code, s.name)}));
  const campaignOpts = dir.campaigns.map((c) => ({value: c.id, label: c.name}));
  const sampleOpts = dir.campaigns.filter((c) => c.spot_check).map((c) => ({value: c.id, label: c.name}));

  const controls = {
    zone: select({'data-testid': 'filter-zone'}, opt(zoneOpts), filters.zone),
    site: select({'data-testid': 'filter-site'}, opt(siteOpts()), filters.site),
    campaign: select({'data-testid': 'filter-campaign'}, opt(campaignOpts), filters.campaign),
    sample: select({'data-testid': 'filter-sample'}, opt(sampleOpts), filters.sample),
    // No status chosen: every status still followed (the server's default).
    status: select({'data-testid': 'filter-status'}, [{value: '', label: t('followed')},
      ...STATUSES.map((s) => ({value: s, label: label(s)}))], filters.status),
    category: select({'data-testid': 'filter-category'}, opt(categories.map((c) => ({value: c, label: c}))),
      filters.category),
    overdue: h('input', {type: 'checkbox', 'data-testid': 'filter-overdue', checked: !!filters.overdue}),
  };
  for (const [name, control] of Object.entries(controls)) {
    control.addEventListener('change', () => {
      filters[name] = control.type === 'checkbox' ? control.checked : control.value;
      if (name === 'zone') {
        filters.site = '';
        controls.site.replaceChildren(...select({}, opt(siteOpts()), '').children);
        controls.site.value = '';
      }
      sessionStorage.setItem(KEY, JSON.stringify(filters));
      tokens = [''];
      load();
    });
  }

  const exportLink = h('a', {'data-testid': 'export-csv', class: 'button', download: 'problems.csv'}, t('export_csv'));
  const prev = h('button', {type: 'button', 'data-testid': 'prev-page', onclick: () => { tokens.pop(); load(); }},
    t('prev_page'));
  const next = h('button', {type: 'button', 'data-testid': 'next-page'}, t('next_page'));
  const pageInfo = h('span', {class: 'muted', 'data-testid': 'page-info'});
  const selInfo = h('span', {'data-testid': 'selected-count'});
  const issue = h('a', {href: '#/notices', class: 'button primary', 'data-testid': 'issue-selected'}, t('issue_selected'));
  const clearSel = h('button', {type: 'button', 'data-testid': 'clear-selection', onclick: () => {
    chosen = new Map(); saveSelection(chosen); load();
  }}, t('clear_selection'));
  const tableBox = h('div', {class: 'table-wrap'});
  let nextToken = '';
  next.addEventListener('click', () => { if (nextToken) { tokens.push(nextToken); load(); } });

  main.append(
    h('h1', {}, t('nav_problems')),
    h('form', {class: 'filters', onsubmit: (e) => e.preventDefault()},
      field(t('zone'), controls.zone), field(t('site'), controls.site), field(t('campaign'), controls.campaign),
      field(t('sample'), controls.sample), field(t('status'), controls.status),
      field(t('category'), controls.category),
      h('label', {class: 'check'}, controls.overdue, t('overdue_only'))),
    h('div', {class: 'toolbar'}, selInfo, issue, clearSel, h('span', {class: 'spacer'}), exportLink),
    tableBox,
    h('div', {class: 'toolbar'}, prev, next, pageInfo));

  function showSelection() {
    selInfo.textContent = t('selected_n', chosen.size);
    issue.hidden = chosen.size === 0;
    clearSel.hidden = chosen.size === 0;
  }

  function row(p, d) {
    const f = p.finding || {};
    const site = d.sites.get(f.site_id);
    const zone = d.zones.get(p.zone_id);
    const notice = f.notice_id ? d.notices.get(f.notice_id) : null;
    const open = () => app.navigate(`#/finding/${encodeURIComponent(p.finding_id)}`);
    const box = h('input', {type: 'checkbox', 'data-testid': 'select-finding', 'aria-label': t('select'),
      checked: chosen.has(p.finding_id), disabled: f.status !== 'OPEN',
      title: f.status !== 'OPEN' ? label(f.status) : null});
    box.addEventListener('click', (e) => e.stopPropagation());
    box.addEventListener('change', () => {
      if (box.checked) {
        chosen.set(p.finding_id, {finding_id: p.finding_id, site_id: f.site_id,
          site: siteName(site?.code, p.site_name || site?.name), title: f.title});
      } else chosen.delete(p.finding_id);
      saveSelection(chosen);
      showSelection();
    });
    const cells = [
      box,
      siteName(site?.code, p.site_name || site?.name),
      zone?.name || '—',
      h('span', {}, f.category || '—', h('br'), h('a', {href: `#/finding/${encodeURIComponent(p.finding_id)}`,
        'data-testid': 'finding-link', onclick: (e) => e.stopPropagation()}, f.title || t('open_finding'))),
      h('span', {class: 'desc'}, f.description || ''),
      label(f.status),
      notice ? notice.notice?.reference_no : (f.notice_id ? '…' : '—'),
      date(f.deadline_ms),
      p.overdue ? h('span', {class: 'overdue-mark', 'data-testid': 'overdue-mark'}, `${t('overdue_mark')} ${num(p.overdue_days)}`)
        : '—',
    ];
    const tr = h('tr', {'data-testid': 'problem-row', 'data-finding-id': p.finding_id,
      class: p.overdue ? 'overdue clickable' : 'clickable', onclick: open}, cells.map((c) => h('td', {}, c)));
    return tr;
  }

  let loading = null;
  async function load() {
    const seq = Symbol('load');
    loading = seq;
    const q = queryOf(filters);
    exportLink.href = `/api/export/problems.csv?q=${encodeURIComponent(JSON.stringify(q))}`;
    showSelection();
    try {
      const [page, d] = await Promise.all([
        rpc('OfficeService', 'ListProblems', {...q, page_size: 100, page_token: tokens[tokens.length - 1]}),
        directory()]);
      if (loading !== seq) return;
      app.clearError();
      nextToken = page.next_page_token || '';
      next.disabled = !nextToken;
      prev.disabled = tokens.length <= 1;
      const problems = page.problems || [];
      pageInfo.textContent = `${t('problems_n', problems.length)} · ${tokens.length}`;
      const headers = ['', t('site'), t('zone'), `${t('category')} / ${t('item')}`, t('description'), t('status'),
        t('notice_ref'), t('deadline'), t('days_overdue')];
      tableBox.replaceChildren(h('table', {'data-testid': 'problem-table', class: 'grid'},
        h('thead', {}, h('tr', {}, headers.map((x) => h('th', {scope: 'col'}, x)))),
        h('tbody', {}, problems.map((p) => row(p, d)))));
      if (!problems.length) tableBox.append(h('p', {class: 'muted', 'data-testid': 'empty'}, t('no_problems')));
    } catch (e) {
      if (loading === seq) app.showError(e);
    }
  }

  await load();
  let timer = null;
  return {
    onChange() { clearTimeout(timer); timer = setTimeout(load, 150); },
    destroy() { clearTimeout(timer); loading = null; },
  };
}
