// The console's shell: sign-in state, the header, the hash router and the
// live feed. Each view is a module with
//   render(main, params, app) -> optional {onChange(), destroy()}
// onChange runs when the server's store moves (/api/events), so the glance
// view and the problem list update in place without a reload.
import {currentSession, setSignedOutHandler, signOut} from './api.js';
import {h} from './dom.js';
import {errorText, language, setLanguage, t} from './i18n.js';
import {forget} from './state.js';

const ROUTES = [
  [/^#\/login$/, () => import('./views/login.js'), false],
  [/^#\/?$/, () => import('./views/glance.js'), true],
  [/^#\/problems$/, () => import('./views/problems.js'), true],
  [/^#\/finding\/([^/]+)$/, () => import('./views/finding.js'), true],
  [/^#\/notices$/, () => import('./views/notices.js'), true],
  [/^#\/notice\/([^/]+)$/, () => import('./views/notice_print.js'), true],
  [/^#\/campaigns$/, () => import('./views/campaigns.js'), true],
  [/^#\/directory$/, () => import('./views/directory.js'), true],
  [/^#\/tablets$/, () => import('./views/tablets.js'), true],
  [/^#\/report$/, () => import('./views/report.js'), true],
];

const NAV = [
  ['#/', 'nav_glance'], ['#/problems', 'nav_problems'], ['#/notices', 'nav_notices'],
  ['#/campaigns', 'nav_campaigns'], ['#/directory', 'nav_directory'], ['#/tablets', 'nav_tablets', 'OFFICE'],
  ['#/report', 'nav_report'],
];

const main = document.getElementById('main');
const errorBox = document.getElementById('error');
const messageBox = document.getElementById('notice');
let session = null;
let current = null;      // the mounted view's {onChange, destroy}
let renderSeq = 0;       // a newer navigation wins over a slower older one
let events = null;

const app = {
  get session() { return session; },
  showError(e, kinds) {
    errorBox.textContent = errorText(e, kinds);
    errorBox.hidden = false;
    messageBox.hidden = true;
  },
  clearError() { errorBox.textContent = ''; errorBox.hidden = true; },
  showMessage(text) {
    messageBox.textContent = text;
    messageBox.hidden = false;
  },
  clearMessage() { messageBox.hidden = true; messageBox.textContent = ''; },
  navigate(hash) { if (location.hash === hash) route(); else location.hash = hash; },
  signedIn(s) { session = s; forget(); header(); startEvents(); },
  // Where to go after signing in: the page that asked for it, or the glance.
  afterSignIn() {
    const to = sessionStorage.getItem('inspectsync.after') || '#/';
    sessionStorage.removeItem('inspectsync.after');
    return to === '#/login' ? '#/' : to;
  },
};

function header() {
  document.title = t('app');
  document.getElementById('brand').textContent = t('app');
  document.getElementById('lang').textContent = t('other_lang');
  const who = document.getElementById('whoami');
  const out = document.getElementById('signout');
  const nav = document.getElementById('nav');
  nav.replaceChildren();
  if (session) {
    who.textContent = session.user.name || session.user.id;
    out.textContent = t('signout');
    out.hidden = false;
    nav.hidden = false;
    for (const [href, key, role] of NAV) {
      if (role && session.user.role !== role) continue;
      const active = href === '#/' ? /^#\/?$/.test(location.hash || '#/') : location.hash.startsWith(href);
      nav.append(h('a', {href, 'data-testid': `nav-${key.slice(4)}`, 'aria-current': active ? 'page' : null},
        t(key)));
    }
  } else {
    who.textContent = '';
    out.hidden = true;
    nav.hidden = true;
  }
}

// The live feed: one EventSource while signed in; a `change` event (the
// store's head moved) asks the mounted view to refresh itself.
function startEvents() {
  if (events || typeof EventSource === 'undefined') return;
  events = new EventSource('/api/events');
  events.addEventListener('change', () => {
    forget();
    if (current?.onChange) current.onChange();
  });
}

function stopEvents() {
  if (events) events.close();
  events = null;
}

async function route() {
  const seq = ++renderSeq;
  const hash = location.hash || '#/';
  const found = ROUTES.find(([re]) => re.test(hash));
  if (!found) { location.hash = '#/'; return; }
  const [re, load, needsSession] = found;
  if (needsSession && !session) {
    sessionStorage.setItem('inspectsync.after', hash);   // back here after signing in
    location.hash = '#/login';
    return;
  }
  if (current?.destroy) current.destroy();
  current = null;
  app.clearError();
  app.clearMessage();
  header();
  const params = re.exec(hash).slice(1).map(decodeURIComponent);
  main.replaceChildren(h('p', {class: 'muted'}, t('loading')));
  try {
    const mod = await load();
    if (seq !== renderSeq) return;
    const view = document.createElement('div');
    main.replaceChildren(view);
    const mounted = await mod.render(view, params, app);
    if (seq !== renderSeq) { mounted?.destroy?.(); return; }
    current = mounted || null;
  } catch (e) {
    if (seq !== renderSeq) return;
    main.replaceChildren();
    app.showError(e);
  }
}

document.getElementById('lang').addEventListener('click', () => {
  setLanguage(language() === 'en' ? 'zh' : 'en');
  route();
});

document.getElementById('signout').addEventListener('click', async () => {
  try { await signOut(); } catch (e) { /* the session may be gone already */ }
  session = null;
  stopEvents();
  forget();
  sessionStorage.clear();
  location.hash = '#/login';
  header();
});

setSignedOutHandler(() => {
  if (!session) return;
  session = null;
  stopEvents();
  header();
  location.hash = '#/login';
});

window.addEventListener('hashchange', route);

(async () => {
  try {
    session = await currentSession();
  } catch (e) {
    app.showError(e);
  }
  if (session) startEvents();
  route();
})();
