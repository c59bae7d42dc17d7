// A notice as a printable page (OfficeService/GetNotice): who it is to, the
// findings, the deadline. The print stylesheet hides the console around it.
import {rpc} from '../api.js';
import {h, table} from '../dom.js';
import {date, label, siteName, t} from '../i18n.js';

export async function render(main, [id]) {
  const n = await rpc('OfficeService', 'GetNotice', {notice_id: id});
  const notice = n.notice || {};
  main.append(
    h('div', {class: 'toolbar no-print'}, h('a', {href: '#/notices'}, `← ${t('nav_notices')}`),
      h('button', {type: 'button', 'data-testid': 'print', onclick: () => window.print()}, t('print'))),
    h('article', {class: 'document', 'data-testid': 'notice-document'},
      h('h1', {class: 'doc-title'}, t('notice_doc_title')),
      h('p', {class: 'doc-ref', 'data-testid': 'notice-reference'}, notice.reference_no || ''),
      h('p', {}, t('notice_to', siteName(n.site_code, n.site_name)), n.zone_name ? `（${n.zone_name}）` : ''),
      h('p', {}, t('notice_body', date(notice.deadline_ms))),
      table('notice-findings', ['#', t('title'), t('status'), t('deadline')], (n.findings || []).map((f, i) => ({
        attrs: {class: f.overdue ? 'overdue' : ''},
        cells: [String(i + 1), f.title || '—', label(f.status), date(f.deadline_ms)],
      }))),
      notice.text ? h('p', {class: 'desc'}, notice.text) : null,
      h('p', {class: 'doc-date'}, `${t('issued')}：${date(notice.issued_at_ms)}`),
      h('p', {class: 'muted'}, `${t('status')}：${label(n.status)}`)));
}
