// One finding (ReportService/ShowFinding): its fields and names, its full
// history, its conflicts with both values and the office's resolve action,
// its photos, its notice and verifications, and the verification form.
import {rpc} from '../api.js';
import {field, h, section, select, table} from '../dom.js';
import {date, dateTime, label, num, parseDate, person, siteName, t} from '../i18n.js';
import {directory} from '../state.js';

// A finding's fields as people call them.
const FIELDS = {
  site_id: 'site', category: 'category', checklist_item_id: 'item', title: 'title', severity: 'severity',
  description: 'description', evidence: 'photos', status: 'status', deadline_ms: 'deadline',
  responsible_org: 'responsible', notice_id: 'notice_ref', verification_note: 'verify_note',
  verification_id: 'verifications', void_reason: 'void_reason', inspection_id: 'inspection', tags: 'tags',
};
// Fields whose values are record ids: named where the console knows the
// name, otherwise only said to have changed.
function fieldValue(name, value, dir) {
  if (!value) return '';
  if (name === 'site_id') { const s = dir.sites.get(value); return s ? siteName(s.code, s.name) : '✓'; }
  if (name === 'notice_id') return dir.notices.get(value)?.notice?.reference_no || '✓';
  if (['inspection_id', 'verification_id', 'evidence', 'checklist_item_id'].includes(name)) return '✓';
  if (/^[A-Z][A-Z_]+$/.test(value)) return label(value);
  if (/_ms$/.test(name) && /^\d{4}-\d{2}-\d{2}/.test(value)) return value.slice(0, 10);   // days, as everywhere
  return value;
}

// A conflict's value is a record with only the field set: {"finding": {"description": ".."}}.
function valueText(body, fieldName) {
  if (!body) return '—';
  const record = Object.values(body)[0] || {};
  const v = record[fieldName];
  if (v === undefined || v === null || v === '') return '—';
  if (Array.isArray(v)) return v.join(', ');
  if (/_ms$/.test(fieldName)) return date(v);
  if (typeof v === 'string' && /^[A-Z][A-Z_]+$/.test(v)) return label(v);
  return String(v);
}

export async function render(main, [id], app) {
  let dirty = false;   // a half-filled form is not wiped by a live refresh

  let dir = null;
  async function load() {
    const [d, names] = await Promise.all([rpc('ReportService', 'ShowFinding', {finding_id: id}), directory()]);
    dir = names;
    main.replaceChildren(...view(d));
  }

  function change(c) {
    const before = fieldValue(c.field, c.old_value, dir);
    return h('li', {}, h('b', {}, FIELDS[c.field] ? t(FIELDS[c.field]) : c.field), ': ',
      before ? `${before} → ` : '', fieldValue(c.field, c.new_value, dir) || '—');
  }

  function view(d) {
    const row = d.finding || {};
    const f = row.finding || {};
    const facts = [
      [t('site'), siteName(row.site_code, row.site_name)],
      [t('zone'), row.zone_name || '—'],
      [t('campaign'), d.campaign_name || '—'],
      [t('category'), f.category || '—'],
      [t('item'), d.item_text || '—'],
      [t('severity'), label(f.severity)],
      [t('status'), h('span', {'data-testid': 'finding-status'}, label(f.status))],
      [t('deadline'), h('span', {'data-testid': 'finding-deadline'}, date(f.deadline_ms))],
      [t('overdue'), row.overdue ? h('span', {class: 'overdue-mark'}, `${t('overdue_mark')} ${num(row.overdue_days)}`)
        : t('no')],
      [t('notice_ref'), row.notice_reference || '—'],
      [t('responsible'), f.responsible_org || '—'],
      [t('recorded_by'), row.inspector_name || '—'],
      [t('inspectors'), (d.inspectors || []).map(person).join('、') || '—'],
      [t('description'), h('span', {class: 'desc', 'data-testid': 'finding-description'}, f.description || '')],
    ];
    return [
      h('p', {}, h('a', {href: '#/problems'}, `← ${t('nav_problems')}`)),
      h('h1', {'data-testid': 'finding-title'}, f.title || t('finding')),
      h('dl', {class: 'facts'}, facts.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
      conflicts(d),
      verifyForm(f),
      section(t('history'), table('history', [t('when'), t('who'), t('device'), t('changes')],
        (d.history || []).map((v) => [
          dateTime(v.at_ms), person(v.author), v.device_id || '—',
          h('ul', {class: 'changes'}, [h('li', {class: 'muted'}, label(v.op))].concat((v.changes || []).map(change))),
        ]))),
      section(t('photos'), photos(d.photos || [])),
      section(t('notice'), d.notice ? h('p', {'data-testid': 'finding-notice'},
        h('a', {href: `#/notice/${encodeURIComponent(d.notice.notice_id)}`}, d.notice.notice?.reference_no || '—'),
        ` · ${t('deadline')} ${date(d.notice.notice?.deadline_ms)} · ${label(d.notice.status)}`)
        : h('p', {class: 'muted'}, t('no_notice'))),
      section(t('verifications'), (d.verifications || []).length
        ? table('verifications', [t('when'), t('verifier'), t('method'), t('verify_result'), t('verify_note'),
          t('deadline'), t('photos')], d.verifications.map((v) => [
          dateTime(v.verified_at_ms), person(v.verifier), label(v.method), label(v.result), v.note || '',
          num(v.new_deadline_ms) ? date(v.new_deadline_ms) : '—', photos(v.evidence || [])]))
        : h('p', {class: 'muted'}, t('no_verifications'))),
    ];
  }

  function photos(list) {
    if (!list.length) return h('p', {class: 'muted'}, t('no_photos'));
    return h('div', {class: 'photos'}, list.map((p, i) => p.on_server
      ? h('a', {href: `/api/photos/${encodeURIComponent(p.attachment_id)}`, target: '_blank', rel: 'noopener'},
        h('img', {src: `/api/photos/${encodeURIComponent(p.attachment_id)}`, alt: `${t('photos')} ${i + 1}`,
          'data-testid': 'photo', loading: 'lazy'}))
      : h('span', {class: 'muted'}, `${t('photos')} ${i + 1}: ${t('photo_missing')}`)));
  }

  function conflicts(d) {
    const list = d.conflicts || [];
    if (!list.length) return section(t('conflicts'), h('p', {class: 'muted'}, t('no_conflicts')));
    const office = app.session?.user?.role === 'OFFICE';
    return section(t('conflicts'), list.map((row) => {
      const c = row.conflict || {};
      const note = h('input', {'data-testid': `resolve-note-${c.id}`, maxlength: 1000});
      const resolve = async (choice, button) => {
        app.clearError();
        button.disabled = true;
        try {
          await rpc('IntegrationService', 'ResolveConflict', {conflict_id: c.id, [choice]: true, note: note.value});
          dirty = false;
          await load();
          app.showMessage(t('resolved'));
        } catch (e) {
          app.showError(e);
          button.disabled = false;
        }
      };
      const button = (choice, text) => {
        const b = h('button', {type: 'button', 'data-testid': `resolve-${c.id}-${choice}`, 'data-choice': choice}, text);
        b.addEventListener('click', () => resolve(choice, b));
        return b;
      };
      const open = c.state === 'CONFLICT_OPEN';
      return h('div', {class: `conflict ${open ? 'open' : ''}`, 'data-testid': `conflict-${c.id}`},
        h('p', {}, h('b', {}, FIELDS[c.field] ? t(FIELDS[c.field]) : c.field), ` · ${label(c.state)} · ${dateTime(row.opened_ms)}`),
        h('table', {class: 'grid'}, h('tbody', {},
          h('tr', {}, h('th', {scope: 'row'}, t('kept_value')),
            h('td', {'data-testid': 'conflict-winner'}, valueText(c.winner_value, c.field)), h('td', {}, row.winner_name || '—')),
          h('tr', {}, h('th', {scope: 'row'}, t('lost_value')),
            h('td', {'data-testid': 'conflict-loser'}, valueText(c.loser_value, c.field)), h('td', {}, row.loser_name || '—')))),
        open && office ? h('div', {class: 'toolbar'}, field(t('resolve_note'), note),
          button('keep_winner', t('keep_winner')), button('take_loser', t('take_loser'))) : null,
        row.resolved_by_name || row.resolution_note ? h('p', {class: 'muted'},
          `${t('resolved_by')}: ${row.resolved_by_name || '—'} ${dateTime(row.resolved_ms)} ${row.resolution_note || ''}`) : null);
    }));
  }

  function verifyForm(f) {
    const result = select({'data-testid': 'verify-result', name: 'result'},
      [{value: 'PASSED', label: label('PASSED')}, {value: 'FAILED', label: label('FAILED')}], 'PASSED');
    const note = h('textarea', {'data-testid': 'verify-note', rows: 2, maxlength: 2000});
    const deadline = h('input', {'data-testid': 'verify-deadline', placeholder: 'YYYY-MM-DD', inputmode: 'numeric',
      maxlength: 10});
    const deadlineField = field(t('verify_deadline'), deadline);
    const showDeadline = () => { deadlineField.hidden = result.value !== 'FAILED'; };
    result.addEventListener('change', showDeadline);
    showDeadline();
    const submit = h('button', {type: 'submit', class: 'primary', 'data-testid': 'verify-submit'}, t('verify_submit'));
    const form = h('form', {class: 'card', 'data-testid': 'verify-form', oninput: () => { dirty = true; },
      onsubmit: async (ev) => {
        ev.preventDefault();
        app.clearError();
        const req = {finding_id: id, method: 'ON_SITE', result: result.value, note: note.value};
        try {
          if (result.value === 'FAILED') {
            if (!deadline.value.trim()) throw new Error(t('need_fields', t('verify_deadline')));
            req.new_deadline_ms = String(parseDate(deadline.value));
          }
        } catch (e) { app.showError(e); return; }
        submit.disabled = true;
        try {
          const r = await rpc('OfficeService', 'RecordVerification', req);
          dirty = false;
          await load();
          app.showMessage(t('verified', `${label(r.finding_status)} · ${r.finding_title || ''} · ${t('deadline')} ${date(r.deadline_ms)}`));
        } catch (e) {
          app.showError(e);
          submit.disabled = false;
        }
      }},
    h('h2', {}, t('verify')),
    f.status !== 'RECTIFIED' ? h('p', {class: 'muted'}, t('verify_hint')) : null,
    h('div', {class: 'filters'}, field(t('verify_result'), result), deadlineField),
    field(t('verify_note'), note), submit);
    return form;
  }

  await load();
  let timer = null;
  return {
    onChange() {
      clearTimeout(timer);
      timer = setTimeout(() => { if (!dirty) load().catch((e) => app.showError(e)); }, 200);
    },
    destroy() { clearTimeout(timer); },
  };
}
