// Campaigns and teams: the teams (OfficeService team RPCs), creating and
// assigning them, a campaign's coverage per zone and per team with the
// sites not yet visited, and the spot-check draw with its seed, printable.
import {offers, rpc} from '../api.js';
import {field, h, section, select, table} from '../dom.js';
import {label, num, parseDate, siteName, t} from '../i18n.js';
import {directory, forget} from '../state.js';
import {coverageTable} from './glance.js';

export async function render(main, params, app) {
  const dir = await directory();
  const office = app.session?.user?.role === 'OFFICE';
  const users = dir.users.filter((u) => u.active);
  const campaigns = dir.campaigns;
  const userOpts = users.map((u) => ({value: u.id, label: `${u.name} (${label(u.role)})`}));
  const campaignOpts = [{value: '', label: t('choose')}, ...campaigns.map((c) => ({value: c.id, label: c.name}))];
  const teamsBox = h('div', {class: 'table-wrap'});
  const coverageBox = h('div', {});
  let teams = [];

  async function loadTeams() {
    teams = (await rpc('OfficeService', 'ListTeams', {})).teams || [];
    teamsBox.replaceChildren(table('team-table', [t('name'), t('leader'), t('members'), t('campaign'), t('sites_assigned')],
      teams.map((tm) => ({attrs: {'data-testid': 'team-row'}, cells: [tm.team?.name || '—', tm.leader_name || '—',
        (tm.member_names || []).join('、'), tm.campaign_name || '—', String(num(tm.sites_assigned))]}))));
    for (const s of teamSelects) {
      const v = s.value;
      s.replaceChildren(...select({}, [{value: '', label: t('choose')},
        ...teams.map((tm) => ({value: tm.team_id, label: tm.team?.name}))], v).children);
      s.value = v;   // moving options between selects carries their selectedness along
    }
  }
  const teamSelects = [];
  const teamPick = (testid) => {
    const s = select({'data-testid': testid}, [{value: '', label: t('choose')}], '');
    teamSelects.push(s);
    return s;
  };

  // Create a team.
  const name = h('input', {'data-testid': 'team-name', maxlength: 200});
  const leader = select({'data-testid': 'team-leader'}, [{value: '', label: t('choose')}, ...userOpts], '');
  const members = select({'data-testid': 'team-members', multiple: true, size: 6}, userOpts, '');
  const teamCampaign = select({'data-testid': 'team-campaign'}, campaignOpts, '');
  const createForm = h('form', {class: 'card', onsubmit: (ev) => act(ev, async () => {
    const r = await rpc('OfficeService', 'CreateTeam', {name: name.value.trim(), leader: leader.value,
      members: [...members.selectedOptions].map((o) => o.value), campaign_id: teamCampaign.value});
    name.value = '';
    return `${t('saved')} ${r.team?.name}`;
  })}, h('h2', {}, t('create_team')), h('div', {class: 'filters'}, field(t('name'), name), field(t('leader'), leader),
    field(t('members'), members), field(t('campaign'), teamCampaign)),
  h('button', {type: 'submit', class: 'primary', 'data-testid': 'team-create'}, t('create')));

  // Put a team on a campaign.
  const acTeam = teamPick('assign-campaign-team');
  const acCampaign = select({'data-testid': 'assign-campaign-campaign'}, campaignOpts, '');
  const assignCampaignForm = h('form', {class: 'card', onsubmit: (ev) => act(ev, async () => {
    const r = await rpc('OfficeService', 'AssignCampaign', {campaign_id: acCampaign.value, team_ids: [acTeam.value]});
    return `${t('saved')} ${(r.teams || []).map((x) => `${x.team?.name} → ${x.campaign_name}`).join('、')}`;
  })}, h('h2', {}, t('assign_campaign')), h('div', {class: 'filters'}, field(t('team'), acTeam),
    field(t('campaign'), acCampaign), h('button', {type: 'submit', 'data-testid': 'assign-campaign-submit'}, t('assign'))));

  // Assign sites to a team for a campaign.
  const asTeam = teamPick('assign-sites-team');
  const asCampaign = select({'data-testid': 'assign-sites-campaign'}, campaignOpts, '');
  const asSites = select({'data-testid': 'assign-sites-sites', multiple: true, size: 8},
    [...dir.sites.values()].filter((s) => s.active).map((s) => ({value: s.id,
      label: `${siteName(s.code, s.name)} · ${s.zone_name || ''}`})), '');
  const assignSitesForm = h('form', {class: 'card', onsubmit: (ev) => act(ev, async () => {
    const r = await rpc('OfficeService', 'AssignSites', {team_id: asTeam.value, campaign_id: asCampaign.value,
      sites: [...asSites.selectedOptions].map((o) => o.value)});
    return `${t('saved')} ${r.team_name} · ${r.campaign_name} · ${(r.assignment_ids || []).length}`;
  })}, h('h2', {}, t('assign_sites')), h('div', {class: 'filters'}, field(t('team'), asTeam),
    field(t('campaign'), asCampaign), field(t('sites'), asSites)),
  h('button', {type: 'submit', 'data-testid': 'assign-sites-submit'}, t('assign')));

  async function act(ev, fn) {
    ev.preventDefault();
    app.clearError();
    const button = ev.target.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const msg = await fn();
      forget();
      await loadTeams();
      await loadCoverage();
      app.showMessage(msg);
    } catch (e) {
      app.showError(e);
    } finally {
      button.disabled = false;
    }
  }

  // Coverage.
  const preferred = campaigns.find((c) => c.campaign_status === 'ACTIVE') || campaigns[0];
  const coverageCampaign = select({'data-testid': 'coverage-campaign'},
    campaigns.map((c) => ({value: c.id, label: `${c.name} (${label(c.campaign_status)})`})), preferred?.id);
  async function loadCoverage() {
    if (!coverageCampaign.value) return;
    const p = await rpc('ReportService', 'CampaignProgress', {campaign_id: coverageCampaign.value});
    coverageBox.replaceChildren(
      h('h3', {}, t('by_zone')), coverageTable(p.zones || [], t('zone'), 'coverage-zones'),
      h('h3', {}, t('teams_coverage')), coverageTable(p.teams || [], t('team'), 'coverage-teams'));
  }
  coverageCampaign.addEventListener('change', () => loadCoverage().catch((e) => app.showError(e)));

  main.append(h('h1', {}, t('nav_campaigns')), section(t('teams'), teamsBox));
  if (office) main.append(createForm, assignCampaignForm, assignSitesForm);
  main.append(section(t('coverage'), field(t('campaign'), coverageCampaign), coverageBox));
  // Creating campaigns and drawing samples are newer RPCs: shown only when
  // this server has them.
  const [canCreate, canDraw] = office
    ? await Promise.all([offers('OfficeService', 'CreateCampaign'), offers('OfficeService', 'DrawSample')])
    : [false, false];
  if (canCreate) main.append(campaignForm(campaigns, app));
  if (canDraw) main.append(drawSection(campaigns, teamPick('draw-team'), app));
  await Promise.all([loadTeams(), loadCoverage()]).catch((e) => app.showError(e));
  return {onChange() { loadCoverage().catch(() => {}); }};
}

// The spot-check draw (OfficeService/DrawSample): a preview first (dry run),
// then the same draw saved; the seed is shown with the list so anyone can
// draw it again, and the list prints.
function drawSection(campaigns, team, app) {
  const spot = campaigns.filter((c) => c.spot_check);
  const campaign = select({'data-testid': 'draw-campaign'}, [{value: '', label: t('choose')},
    ...spot.map((c) => ({value: c.id, label: c.sample_seed && c.sample_seed !== '0'
      ? `${c.name} (${t('seed')} ${c.sample_seed})` : c.name}))], '');
  const schools = h('input', {type: 'number', min: 0, value: '0', 'data-testid': 'draw-schools'});
  const kinders = h('input', {type: 'number', min: 0, value: '0', 'data-testid': 'draw-kindergartens'});
  const seed = h('input', {'data-testid': 'draw-seed', inputmode: 'numeric',
    value: String(Math.floor(Math.random() * 1e9) + 1)});
  const result = h('div', {'data-testid': 'draw-result', class: 'printable'});
  const run = async (dryRun, button) => {
    app.clearError();
    button.disabled = true;
    try {
      const r = await rpc('OfficeService', 'DrawSample', {campaign_id: campaign.value, schools: Number(schools.value),
        kindergartens: Number(kinders.value), seed: seed.value.trim(), team: team.value, dry_run: dryRun});
      result.replaceChildren(
        h('h3', {}, `${r.campaign_name} · ${t('seed')} ${r.seed} · ${r.sample_spec}`),
        table('draw-strata', [t('stratum'), t('requested'), t('eligible'), t('excluded')], (r.strata || []).map((s) =>
          [label(s.name), String(num(s.requested)), String(num(s.eligible)), String(num(s.excluded))])),
        table('draw-sites', ['#', t('site'), t('zone'), t('stratum')], (r.strata || []).flatMap((s) =>
          (s.sites || []).map((x) => [label(s.name), siteName(x.code, x.name), x.zone_name || '—'])).map((row, i) =>
          [String(i + 1), row[1], row[2], row[0]])),
        h('button', {type: 'button', class: 'no-print', 'data-testid': 'draw-print', onclick: printDraw}, t('print')));
      if (!dryRun) app.showMessage(t('saved'));
    } catch (e) {
      app.showError(e);
    } finally {
      button.disabled = false;
    }
  };
  const preview = h('button', {type: 'button', 'data-testid': 'draw-preview'}, t('draw_preview'));
  const save = h('button', {type: 'button', class: 'primary', 'data-testid': 'draw-submit'}, t('draw_submit'));
  preview.addEventListener('click', () => run(true, preview));
  save.addEventListener('click', () => run(false, save));
  const box = section(t('draw'), h('div', {class: 'filters no-print'}, field(t('campaign'), campaign),
    field(t('schools'), schools), field(t('kindergartens'), kinders), field(t('seed'), seed), field(t('team'), team)),
  h('div', {class: 'toolbar'}, preview, save), result);
  // The printed list is the draw alone, not the rest of the page.
  function printDraw() {
    box.classList.add('print-target');
    document.body.classList.add('print-only-target');
    window.addEventListener('afterprint', () => {
      document.body.classList.remove('print-only-target');
      box.classList.remove('print-target');
    }, {once: true});
    window.print();
  }
  return box;
}

// A new campaign (OfficeService/CreateCampaign): name, kind, period (the
// last day inclusive, as people say it), checklist.
function campaignForm(campaigns, app) {
  const name = h('input', {'data-testid': 'campaign-name', maxlength: 200});
  const kind = select({'data-testid': 'campaign-kind'}, ['SPECIAL_CAMPAIGN', 'ROUTINE_VISIT', 'SPOT_CHECK'].map((k) =>
    ({value: k, label: label(k)})), 'SPECIAL_CAMPAIGN');
  const from = h('input', {'data-testid': 'campaign-from', placeholder: 'YYYY-MM-DD', maxlength: 10});
  const to = h('input', {'data-testid': 'campaign-to', placeholder: 'YYYY-MM-DD', maxlength: 10});
  const keys = [...new Set(campaigns.map((c) => c.template_key).filter(Boolean))];
  const template = h('input', {'data-testid': 'campaign-template', maxlength: 64, value: keys[0] || '',
    list: 'template-keys'});
  const submit = h('button', {type: 'submit', class: 'primary', 'data-testid': 'campaign-create'}, t('create'));
  return h('form', {class: 'card', onsubmit: async (ev) => {
    ev.preventDefault();
    app.clearError();
    let period;
    try { period = [parseDate(from.value), parseDate(to.value) + 86400000]; } catch (e) { app.showError(e); return; }
    submit.disabled = true;
    try {
      const r = await rpc('OfficeService', 'CreateCampaign', {name: name.value.trim(), kind: kind.value,
        starts_at_ms: String(period[0]), ends_at_ms: String(period[1]), template_key: template.value.trim()});
      forget();
      app.showMessage(`${t('saved')} ${r.campaign?.name} · ${r.template_title || ''}`);
      name.value = '';
    } catch (e) {
      app.showError(e);
    } finally {
      submit.disabled = false;
    }
  }}, h('h2', {}, t('create_campaign')), h('div', {class: 'filters'}, field(t('name'), name), field(t('kind'), kind),
    field(t('starts'), from), field(t('ends'), to), field(t('template'), template),
    h('datalist', {id: 'template-keys'}, keys.map((k) => h('option', {value: k})))), submit);
}
