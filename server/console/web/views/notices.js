// Rectification notices: issue one for the findings ticked on the problem
// list (one notice per site, all with the same reference number, as the
// office's notice to several sites is stored), and the list of notices.
import {rpc} from '../api.js';
import {field, h, section, select, table} from '../dom.js';
import {date, label, parseDate, siteName, t} from '../i18n.js';
import {forget, saveSelection, selection} from '../state.js';

export async function render(main, params, app) {
  const ref = h('input', {'data-testid': 'notice-ref', maxlength: 64, placeholder: 'EDU-2026-07'});
  const deadline = h('input', {'data-testid': 'notice-deadline', placeholder: 'YYYY-MM-DD', inputmode: 'numeric',
    maxlength: 10});
  const text = h('textarea', {'data-testid': 'notice-text', rows: 3, maxlength: 4000});
  const submit = h('button', {type: 'submit', class: 'primary', 'data-testid': 'notice-submit'}, t('notice_submit'));
  const chosenBox = h('div', {'data-testid': 'notice-selection'});
  const statusFilter = select({'data-testid': 'notice-status'}, [{value: '', label: t('all')},
    ...['NOTICE_OPEN', 'NOTICE_OVERDUE', 'NOTICE_CLOSED'].map((s) => ({value: s, label: label(s)}))], '');
  const listBox = h('div', {class: 'table-wrap'});

  function showChosen() {
    const chosen = selection();
    submit.disabled = chosen.size === 0;
    if (!chosen.size) {
      chosenBox.replaceChildren(h('p', {class: 'muted'}, t('no_selection'), ' ',
        h('a', {href: '#/problems'}, t('nav_problems'))));
      return;
    }
    chosenBox.replaceChildren(h('ul', {}, [...chosen.values()].map((c) =>
      h('li', {'data-testid': 'notice-selected'}, `${c.site} — ${c.title || ''}`))));
  }

  const form = h('form', {class: 'card', onsubmit: async (ev) => {
    ev.preventDefault();
    app.clearError();
    const chosen = selection();
    let deadlineMs;
    try {
      const missing = [!ref.value.trim() && t('notice_ref'), !deadline.value.trim() && t('deadline')].filter(Boolean);
      if (missing.length) throw new Error(t('need_fields', missing.join('、')));
      deadlineMs = parseDate(deadline.value);
    } catch (e) { app.showError(e); return; }
    // One notice per site.
    const bySite = new Map();
    for (const c of chosen.values()) {
      if (!bySite.has(c.site_id)) bySite.set(c.site_id, []);
      bySite.get(c.site_id).push(c.finding_id);
    }
    submit.disabled = true;
    const issued = [];
    try {
      for (const [site, ids] of bySite) {
        const n = await rpc('OfficeService', 'IssueNotice', {site, finding_ids: ids, reference_no: ref.value.trim(),
          deadline_ms: String(deadlineMs), text: text.value});
        issued.push(n);
        for (const id of ids) chosen.delete(id);
        saveSelection(chosen);
      }
    } catch (e) {
      app.showError(e);
    }
    if (issued.length) {
      app.showMessage(t('notice_issued', issued.map((n) =>
        `${n.notice?.reference_no} ${siteName(n.site_code, n.site_name)}`).join('；')));
      if (!selection().size) { ref.value = ''; deadline.value = ''; text.value = ''; }
    }
    forget();
    showChosen();
    await loadList();
  }}, h('h2', {}, t('issue_notice')), h('h3', {}, t('selected_findings')), chosenBox,
  h('div', {class: 'filters'}, field(t('notice_ref'), ref), field(t('deadline'), deadline)),
  field(t('notice_text'), text), submit);

  async function loadList() {
    const q = statusFilter.value ? {statuses: [statusFilter.value]} : {};
    const list = await rpc('OfficeService', 'ListNotices', q);
    listBox.replaceChildren(table('notice-table', [t('notice_ref'), t('site'), t('zone'), t('issued'), t('deadline'),
      t('status'), ''], (list.notices || []).map((n) => ({
      attrs: {'data-testid': 'notice-row', class: n.status === 'NOTICE_OVERDUE' ? 'overdue' : ''},
      cells: [n.notice?.reference_no || '—', siteName(n.site_code, n.site_name), n.zone_name || '—',
        date(n.notice?.issued_at_ms), date(n.notice?.deadline_ms), label(n.status),
        h('a', {href: `#/notice/${encodeURIComponent(n.notice_id)}`, 'data-testid': 'notice-print-link'}, t('printable'))],
    }))));
  }
  statusFilter.addEventListener('change', () => loadList().catch((e) => app.showError(e)));

  main.append(h('h1', {}, t('nav_notices')), form,
    section(t('notices'), h('div', {class: 'filters'}, field(t('status'), statusFilter)), listBox));
  showChosen();
  await loadList();
  return {onChange() { loadList().catch(() => {}); }};
}
