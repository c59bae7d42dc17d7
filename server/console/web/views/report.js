// The zone director's special report (ReportService/SpecialReport) for a
// zone and campaign. The server writes it as a whole HTML document (every
// text escaped there); here its body is shown after dropping anything
// active (scripts, styles, handlers: the page's CSP would refuse them
// anyway) and printed with the console's print stylesheet. The document
// itself, with its own print CSS, can be downloaded.
import {rpc} from '../api.js';
import {field, h, section, select} from '../dom.js';
import {dateTime, t} from '../i18n.js';
import {directory} from '../state.js';

function sanitize(root) {
  root.querySelectorAll('script, style, link, iframe, object, embed, form, meta, base').forEach((n) => n.remove());
  for (const el of root.querySelectorAll('*')) {
    for (const a of [...el.attributes]) {
      const v = a.value.trim().toLowerCase();
      if (a.name.startsWith('on') || a.name === 'style' || v.startsWith('javascript:')) el.removeAttribute(a.name);
    }
  }
  return root;
}

export async function render(main, params, app) {
  const dir = await directory();
  const zone = select({'data-testid': 'report-zone'}, [...dir.zones.values()].map((z) => ({value: z.id, label: z.name})), '');
  const campaign = select({'data-testid': 'report-campaign'}, dir.campaigns.map((c) => ({value: c.id, label: c.name})), '');
  const out = h('div', {'data-testid': 'report'});
  let url = null;
  const make = h('button', {type: 'submit', class: 'primary', 'data-testid': 'report-make'}, t('report_make'));
  const form = h('form', {class: 'card no-print', onsubmit: async (ev) => {
    ev.preventDefault();
    app.clearError();
    make.disabled = true;
    try {
      const doc = await rpc('ReportService', 'SpecialReport', {zone_id: zone.value, campaign_id: campaign.value});
      const parsed = new DOMParser().parseFromString(doc.html || '', 'text/html');
      const body = h('div', {class: 'report-body', 'data-testid': 'report-body'});
      body.append(...sanitize(parsed.body).childNodes);
      if (url) URL.revokeObjectURL(url);
      url = URL.createObjectURL(new Blob([doc.html || ''], {type: 'text/html;charset=utf-8'}));
      out.replaceChildren(
        h('div', {class: 'toolbar no-print'},
          h('button', {type: 'button', 'data-testid': 'print', onclick: () => window.print()}, t('print')),
          h('a', {class: 'button', href: url, download: `${doc.title || 'report'}.html`}, t('report_download')),
          h('span', {class: 'muted'}, t('as_of', dateTime(doc.as_of_ms)))),
        body);
    } catch (e) {
      app.showError(e);
    } finally {
      make.disabled = false;
    }
  }}, h('div', {class: 'filters'}, field(t('zone'), zone), field(t('campaign'), campaign), make));
  main.append(h('h1', {class: 'no-print'}, t('nav_report')), form, out);
  return {destroy() { if (url) URL.revokeObjectURL(url); }};
}
