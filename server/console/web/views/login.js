// Sign-in: login and password; a refusal (a wrong password, a delay after
// failed attempts, a role that may not sign in) in the person's language,
// with the server's words after it.
import {signIn} from '../api.js';
import {field, h} from '../dom.js';
import {t} from '../i18n.js';

export async function render(main, params, app) {
  if (app.session) { app.navigate('#/'); return; }
  const user = h('input', {name: 'login', autocomplete: 'username', 'data-testid': 'login-user', required: true});
  const password = h('input', {name: 'password', type: 'password', autocomplete: 'current-password',
    'data-testid': 'login-password', required: true});
  const submit = h('button', {type: 'submit', 'data-testid': 'login-submit'}, t('login_submit'));
  const form = h('form', {class: 'card login', onsubmit: async (ev) => {
    ev.preventDefault();
    app.clearError();
    submit.disabled = true;
    try {
      const s = await signIn(user.value.trim(), password.value);
      app.signedIn(s);
      app.navigate(app.afterSignIn());
    } catch (e) {
      app.showError(e, {UNAUTHENTICATED: 'login_wrong', RESOURCE_EXHAUSTED: 'login_delayed',
        PERMISSION_DENIED: 'login_refused'});
      password.value = '';
      password.focus();
    } finally {
      submit.disabled = false;
    }
  }}, h('h1', {}, t('login_title')), field(t('login_user'), user), field(t('login_password'), password), submit);
  main.append(form);
  user.focus();
}
