// The register: zones, sites, users, assignments, teams and campaigns
// (ReportService/ListDirectory), the office's corrections (rename a zone,
// correct or deactivate a site, deactivate a user, end an assignment) and a
// CSV import that is checked first (dry run) and only then written.
import {rpc} from '../api.js';
import {field, h, section, select, table} from '../dom.js';
import {date, label, num, person, siteName, t} from '../i18n.js';
import {directory, forget} from '../state.js';
import {importSection} from './directory_import.js';

const KINDS = [
  ['DIRECTORY_ZONES', 'zones'], ['DIRECTORY_SITES', 'sites'], ['DIRECTORY_USERS', 'users'],
  ['DIRECTORY_ASSIGNMENTS', 'assignments'], ['DIRECTORY_TEAMS', 'teams'], ['DIRECTORY_CAMPAIGNS', 'campaigns'],
];

export async function render(main, params, app) {
  const office = app.session?.user?.role === 'OFFICE';
  let kind = sessionStorage.getItem('inspectsync.dirkind') || 'DIRECTORY_SITES';
  let tokens = [''];
  let nextToken = '';
  const query = h('input', {type: 'search', 'data-testid': 'dir-search'});
  const inactive = h('input', {type: 'checkbox', 'data-testid': 'dir-inactive'});
  const tabs = h('div', {class: 'toolbar', role: 'tablist'});
  const box = h('div', {class: 'table-wrap'});
  const info = h('span', {class: 'muted', 'data-testid': 'dir-total'});
  const prev = h('button', {type: 'button', 'data-testid': 'dir-prev', onclick: () => { tokens.pop(); load(); }},
    t('prev_page'));
  const next = h('button', {type: 'button', 'data-testid': 'dir-next', onclick: () => {
    if (nextToken) { tokens.push(nextToken); load(); }
  }}, t('next_page'));

  function drawTabs() {
    tabs.replaceChildren(...KINDS.map(([k, key]) => h('button', {type: 'button', role: 'tab',
      'aria-selected': String(k === kind), class: k === kind ? 'primary' : '', 'data-testid': `dir-tab-${key}`,
      onclick: () => { kind = k; sessionStorage.setItem('inspectsync.dirkind', k); tokens = ['']; drawTabs(); load(); },
    }, t(key))));
  }

  async function correct(service, method, req, button) {
    app.clearError();
    if (button) button.disabled = true;
    try {
      const r = await rpc(service, method, req);
      const changes = (r.changes || []).map((c) => `${c.field}: ${c.old_value} → ${c.new_value}`).join('；');
      app.showMessage(changes ? t('changed', `${r.record_name} ${changes}`) : t('nothing_changed', r.record_name));
      forget();
      await load();
    } catch (e) {
      app.showError(e);
      if (button) button.disabled = false;
    }
  }

  // An inline form replacing the actions cell: fields + save.
  function editor(cell, fields, onSave) {
    const save = h('button', {type: 'submit', class: 'primary', 'data-testid': 'dir-save'}, t('save'));
    const form = h('form', {class: 'filters', onsubmit: (ev) => { ev.preventDefault(); onSave(save); }},
      fields, save, h('button', {type: 'button', onclick: () => load()}, t('cancel')));
    cell.replaceChildren(form);
  }

  function actions(e, dir) {
    if (!office) return '';
    const cell = h('span', {class: 'toolbar'});
    const button = (text, testid, fn) => {
      const b = h('button', {type: 'button', 'data-testid': testid}, text);
      b.addEventListener('click', () => fn(b));
      return b;
    };
    if (kind === 'DIRECTORY_ZONES') {
      cell.append(button(t('rename'), 'zone-rename', () => {
        const name = h('input', {value: e.name, 'data-testid': 'zone-name', maxlength: 200});
        editor(cell, field(t('name'), name), (b) => correct('OfficeService', 'RenameZone', {zone: e.id, name: name.value}, b));
      }));
    } else if (kind === 'DIRECTORY_SITES') {
      cell.append(button(t('edit'), 'site-edit', () => {
        const name = h('input', {value: e.name, 'data-testid': 'site-name', maxlength: 200});
        const zone = select({'data-testid': 'site-zone'}, [...dir.zones.values()].map((z) => ({value: z.id, label: z.name})),
          e.zone_id);
        editor(cell, [field(t('name'), name), field(t('zone'), zone)], (b) => correct('OfficeService', 'CorrectSite',
          {site: e.id, name: name.value !== e.name ? name.value : '', zone: zone.value !== e.zone_id ? zone.value : ''}, b));
      }));
      cell.append(e.active
        ? button(t('deactivate'), 'site-deactivate', (b) => correct('OfficeService', 'CorrectSite', {site: e.id, deactivate: true}, b))
        : button(t('reactivate'), 'site-reactivate', (b) => correct('OfficeService', 'CorrectSite', {site: e.id, reactivate: true}, b)));
    } else if (kind === 'DIRECTORY_USERS' && e.active) {
      cell.append(button(t('deactivate'), 'user-deactivate', (b) => correct('OfficeService', 'DeactivateUser', {user: e.id}, b)));
    } else if (kind === 'DIRECTORY_ASSIGNMENTS' && e.active) {
      cell.append(button(t('end_assignment'), 'assignment-end',
        (b) => correct('OfficeService', 'EndAssignment', {assignment_id: e.id}, b)));
    }
    return cell;
  }

  function columns(e, dir) {
    const period = `${date(e.starts_at_ms)} – ${num(e.ends_at_ms) ? date(num(e.ends_at_ms) - 1) : '…'}`;
    switch (kind) {
      case 'DIRECTORY_ZONES': return [e.code || '—', e.name];
      case 'DIRECTORY_SITES': return [e.code || '—', e.name, e.zone_name || '—', label(e.site_kind), e.address || ''];
      case 'DIRECTORY_USERS': return [e.name, label(e.role)];
      case 'DIRECTORY_ASSIGNMENTS': return [e.user?.name || e.team_name || '—',
        e.site ? siteName(e.site.code, e.site.name) : `${t('zone')} ${e.zone_name || ''}`, e.zone_name || '—',
        e.campaign_name || '—', period];
      case 'DIRECTORY_TEAMS': return [e.name, person(e.leader), (e.members || []).map(person).join('、'), e.campaign_name || '—'];
      default: return [e.name, label(e.campaign_kind), label(e.campaign_status), period,
        e.spot_check && num(e.sample_seed) ? `${t('seed')} ${e.sample_seed} · ${e.sample_spec}` : '—'];
    }
  }
  const HEADERS = {
    DIRECTORY_ZONES: ['code', 'name'], DIRECTORY_SITES: ['code', 'name', 'zone', 'kind', 'address'],
    DIRECTORY_USERS: ['name', 'role'], DIRECTORY_ASSIGNMENTS: ['user', 'site', 'zone', 'campaign', 'period'],
    DIRECTORY_TEAMS: ['name', 'leader', 'members', 'campaign'],
    DIRECTORY_CAMPAIGNS: ['name', 'kind', 'status', 'period', 'sample'],
  };

  async function load() {
    try {
      const [page, dir] = await Promise.all([rpc('ReportService', 'ListDirectory', {kind, query: query.value.trim(),
        include_inactive: inactive.checked, page_size: 100, page_token: tokens[tokens.length - 1]}), directory()]);
      nextToken = page.next_page_token || '';
      next.disabled = !nextToken;
      prev.disabled = tokens.length <= 1;
      info.textContent = t('total_n', num(page.total));
      box.replaceChildren(table('directory-table', [...HEADERS[kind].map((k) => t(k)), t('active'), office ? t('actions') : ''],
        (page.entries || []).map((e) => ({attrs: {'data-testid': 'directory-row', class: e.active ? '' : 'muted'},
          cells: [...columns(e, dir), e.active ? t('yes') : t('no'), actions(e, dir)]}))));
    } catch (e) {
      app.showError(e);
    }
  }
  let timer = null;
  query.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => { tokens = ['']; load(); }, 250); });
  inactive.addEventListener('change', () => { tokens = ['']; load(); });

  drawTabs();
  main.append(h('h1', {}, t('nav_directory')),
    section(t('nav_directory'), tabs,
      h('div', {class: 'filters'}, field(t('search'), query), h('label', {class: 'check'}, inactive, t('include_inactive')), info),
      box, h('div', {class: 'toolbar'}, prev, next)));
  if (office) main.append(importSection(app, load));
  await load();
  return {destroy() { clearTimeout(timer); }};
}
