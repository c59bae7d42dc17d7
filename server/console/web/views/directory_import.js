// The register's CSV import (IntegrationService/Import): "check" runs it as
// a dry run and lists every problem (the server's message lists each bad
// line) and every difference from what is there; only then does "import"
// write, with the same file and choices.
import {rpc} from '../api.js';
import {field, h, section, select, table} from '../dom.js';
import {t} from '../i18n.js';
import {forget} from '../state.js';

const KINDS = [['IMPORT_ZONES', 'zones'], ['IMPORT_SITES', 'sites'], ['IMPORT_USERS', 'users'],
  ['IMPORT_ASSIGNMENTS', 'assignments']];

// proto3 JSON carries bytes as base64.
function base64(buffer) {
  const bytes = new Uint8Array(buffer);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function importSection(app, reload) {
  const kind = select({'data-testid': 'import-kind'}, KINDS.map(([v, k]) => ({value: v, label: t(k)})), 'IMPORT_SITES');
  const file = h('input', {type: 'file', accept: '.csv,text/csv', 'data-testid': 'import-file'});
  const encoding = select({'data-testid': 'import-encoding'}, ['auto', 'utf-8', 'gb18030', 'gbk'].map((e) =>
    ({value: e, label: e})), 'auto');
  const update = h('input', {type: 'checkbox', 'data-testid': 'import-update'});
  const preview = h('button', {type: 'button', 'data-testid': 'import-preview'}, t('preview'));
  const confirm = h('button', {type: 'button', class: 'primary', 'data-testid': 'import-confirm', disabled: true},
    t('confirm_import'));
  const result = h('div', {'data-testid': 'import-result'});
  let checked = null;   // the request that passed the check; any change asks for a new check

  const invalidate = () => { checked = null; confirm.disabled = true; };
  for (const c of [kind, file, encoding, update]) c.addEventListener('change', invalidate);

  async function request(dryRun) {
    if (!file.files.length) throw new Error(t('need_fields', t('import_file')));
    return {kind: kind.value, format: 'CSV', data: base64(await file.files[0].arrayBuffer()), dry_run: dryRun,
      update: update.checked, encoding: encoding.value};
  }

  function showResponse(r) {
    const diffs = r.differences || [];
    result.replaceChildren(
      h('p', {'data-testid': 'import-summary'}, t('import_rows', r.rows || 0, r.created || 0, r.unchanged || 0, diffs.length)),
      diffs.length ? table('import-differences', [t('line'), t('code'), t('name'), t('field'), t('old_value'), t('new_value')],
        diffs.flatMap((d) => (d.changes || []).map((c) => [String(d.line), d.code, d.name, c.column, c.old_value, c.new_value])))
        : null);
  }

  preview.addEventListener('click', async () => {
    app.clearError();
    invalidate();
    result.replaceChildren();
    preview.disabled = true;
    try {
      const req = await request(true);
      showResponse(await rpc('IntegrationService', 'Import', req));
      checked = req;
      confirm.disabled = false;
    } catch (e) {
      app.showError(e);
    } finally {
      preview.disabled = false;
    }
  });

  confirm.addEventListener('click', async () => {
    if (!checked) return;
    app.clearError();
    confirm.disabled = true;
    try {
      const r = await rpc('IntegrationService', 'Import', {...checked, dry_run: false});
      showResponse(r);
      app.showMessage(t('imported', r.created || 0, r.updated || 0));
      checked = null;
      forget();
      await reload();
    } catch (e) {
      app.showError(e);
      confirm.disabled = false;
    }
  });

  return section(t('import'), h('div', {class: 'filters'}, field(t('kind'), kind), field(t('import_file'), file),
    field(t('encoding'), encoding), h('label', {class: 'check'}, update, t('update_existing'))),
  h('div', {class: 'toolbar'}, preview, confirm), result);
}
