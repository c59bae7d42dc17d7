// The tablets (OfficeService/ListDevices): who uses each, when it last
// pushed and pulled, what was accepted and refused, and its latest refusal.
import {rpc} from '../api.js';
import {h, table} from '../dom.js';
import {dateTime, label, num, person, t} from '../i18n.js';

export async function render(main, params, app) {
  const box = h('div', {class: 'table-wrap'});
  const asOf = h('p', {class: 'muted'});
  async function load() {
    const list = await rpc('OfficeService', 'ListDevices', {});
    asOf.textContent = t('as_of', dateTime(list.as_of_ms));
    box.replaceChildren(table('device-table', [t('user'), t('device'), t('last_push'), t('last_pull'), t('accepted'),
      t('rejected'), t('last_reject'), t('conflicts_lost')], (list.devices || []).map((d) => ({
      attrs: {'data-testid': 'device-row', class: num(d.rejected) ? 'overdue' : ''},
      cells: [person(d.user), d.device_id || d.client_id || '—', dateTime(d.last_push_ms), dateTime(d.last_pull_ms),
        String(num(d.accepted)), String(num(d.rejected)),
        num(d.last_reject_ms) ? `${dateTime(d.last_reject_ms)} ${label(d.last_reject_code)}: ${d.last_reject_reason || ''}` : '—',
        String(num(d.conflicts_lost))],
    }))));
  }
  main.append(h('h1', {}, t('nav_tablets')), asOf, box);
  await load();
  return {onChange() { load().catch(() => {}); }};
}
