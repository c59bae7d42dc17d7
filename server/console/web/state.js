// What the views share: the names of zones, sites, campaigns, users and
// notices (so no view shows a bare id), and the findings ticked on the
// problem list for a notice (kept in sessionStorage, so going to the
// notices page and back keeps them).
import {all, rpc} from './api.js';

let cache = null;

// {zones: Map(id->entry), sites: Map(id->entry), campaigns: [entry],
//  users: [entry], notices: Map(id->NoticeView)}
export function directory(fresh = false) {
  // The promise is kept, so views asking at once share one round of calls.
  if (cache && !fresh) return cache;
  const list = (kind) => all('ReportService', 'ListDirectory', {kind, include_inactive: true}, 'entries')
    .catch(() => []);
  cache = Promise.all([
    list('DIRECTORY_ZONES'), list('DIRECTORY_SITES'), list('DIRECTORY_CAMPAIGNS'), list('DIRECTORY_USERS'),
    rpc('OfficeService', 'ListNotices', {}).then((r) => r.notices || []).catch(() => []),
  ]).then(([zones, sites, campaigns, users, notices]) => ({
    zones: new Map(zones.map((z) => [z.id, z])),
    sites: new Map(sites.map((s) => [s.id, s])),
    campaigns,
    users,
    notices: new Map(notices.map((n) => [n.notice_id, n])),
  }));
  return cache;
}

export function forget() { cache = null; }

const SEL = 'inspectsync.selection';

// Map(finding_id -> {finding_id, site_id, site, title})
export function selection() {
  try { return new Map(JSON.parse(sessionStorage.getItem(SEL) || '[]')); } catch (e) { return new Map(); }
}

export function saveSelection(map) {
  sessionStorage.setItem(SEL, JSON.stringify([...map]));
}
