// Words people read: Chinese first, English on request (the choice is kept
// in localStorage). Dates are days of the district's calendar as the server
// keeps them (UTC, core/date.h), written YYYY-MM-DD.

const KEY = 'inspectsync.lang';
let lang = localStorage.getItem(KEY) === 'en' ? 'en' : 'zh';

export function language() { return lang; }
export function setLanguage(l) {
  lang = l === 'en' ? 'en' : 'zh';
  localStorage.setItem(KEY, lang);
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
}
document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';

// [zh, en]
const S = {
  app: ['InspectSync 办公控制台', 'InspectSync office console'],
  other_lang: ['English', '中文'],
  signout: ['退出', 'Sign out'],
  login_title: ['登录', 'Sign in'],
  login_user: ['用户名', 'Login'],
  login_password: ['密码', 'Password'],
  login_submit: ['登录', 'Sign in'],
  nav_glance: ['总览', 'Overview'],
  nav_problems: ['问题清单', 'Problems'],
  nav_notices: ['整改通知', 'Notices'],
  nav_campaigns: ['专项与小组', 'Campaigns & teams'],
  nav_directory: ['名录', 'Directory'],
  nav_tablets: ['平板', 'Tablets'],
  nav_report: ['专报', 'Special report'],
  loading: ['加载中…', 'Loading…'],
  none: ['无', 'none'],
  all: ['全部', 'All'],
  followed: ['跟踪中的全部', 'All still followed'],
  yes: ['是', 'yes'],
  no: ['否', 'no'],
  zone: ['片区', 'Zone'],
  site: ['学校', 'Site'],
  campaign: ['专项', 'Campaign'],
  sample: ['抽查样本', 'Spot-check sample'],
  status: ['状态', 'Status'],
  category: ['类别', 'Category'],
  item: ['检查项', 'Item'],
  overdue: ['逾期', 'Overdue'],
  overdue_only: ['仅逾期', 'Overdue only'],
  description: ['问题描述', 'Description'],
  title: ['问题', 'Finding'],
  severity: ['严重程度', 'Severity'],
  notice_ref: ['通知文号', 'Notice reference'],
  deadline: ['整改期限', 'Deadline'],
  days_overdue: ['逾期天数', 'Days overdue'],
  select: ['选择', 'Select'],
  next_page: ['下一页', 'Next page'],
  prev_page: ['上一页', 'Previous page'],
  first_page: ['第一页', 'First page'],
  export_csv: ['导出 Excel (CSV)', 'Export to Excel (CSV)'],
  issue_selected: ['为所选问题下发整改通知', 'Issue a notice for the selected'],
  selected_n: ['已选 {0} 项', '{0} selected'],
  clear_selection: ['清除选择', 'Clear selection'],
  problems_n: ['本页 {0} 项', '{0} on this page'],
  no_problems: ['没有符合条件的问题。', 'No problems match.'],
  overdue_mark: ['逾期', 'OVERDUE'],
  open_finding: ['查看', 'Open'],
  // finding
  finding: ['问题详情', 'Finding'],
  responsible: ['责任单位', 'Responsible'],
  recorded_by: ['登记人', 'Recorded by'],
  inspectors: ['检查人员', 'Inspectors'],
  history: ['修改记录', 'History'],
  who: ['人员', 'Who'],
  when: ['时间', 'When'],
  device: ['设备', 'Device'],
  changes: ['修改内容', 'What changed'],
  conflicts: ['冲突', 'Conflicts'],
  field: ['字段', 'Field'],
  kept_value: ['保留的值', 'Value kept'],
  lost_value: ['未采用的值', 'Value that lost'],
  keep_winner: ['确认保留的值', 'Keep the kept value'],
  take_loser: ['改用未采用的值', 'Take the other value'],
  resolve_note: ['处理说明', 'Note'],
  resolved_by: ['处理人', 'Resolved by'],
  no_conflicts: ['没有冲突。', 'No conflicts.'],
  photos: ['照片', 'Photos'],
  void_reason: ['作废原因', 'Void reason'],
  inspection: ['检查记录', 'Inspection'],
  tags: ['标签', 'Tags'],
  no_photos: ['没有照片。', 'No photos.'],
  photo_missing: ['照片尚未上传', 'photo not uploaded yet'],
  notice: ['整改通知', 'Notice'],
  no_notice: ['尚未下发整改通知。', 'No notice yet.'],
  verifications: ['复查记录', 'Verifications'],
  no_verifications: ['尚无复查。', 'No verifications yet.'],
  verify: ['记录复查结果', 'Record a verification'],
  verify_result: ['复查结果', 'Result'],
  verify_note: ['复查意见', 'Note'],
  verify_deadline: ['新的整改期限 (未通过时)', 'New deadline (when failed)'],
  verify_submit: ['提交复查', 'Record'],
  verify_hint: ['只有“已整改待复查”的问题可以复查。', 'Only findings reported rectified can be verified.'],
  verifier: ['复查人', 'Verifier'],
  method: ['方式', 'Method'],
  verified: ['已记录复查：{0}', 'Verification recorded: {0}'],
  resolved: ['冲突已处理。', 'Conflict resolved.'],
  // notices
  issue_notice: ['下发整改通知', 'Issue a notice'],
  selected_findings: ['所选问题', 'Selected findings'],
  no_selection: ['尚未选择问题：请在问题清单中勾选“已登记”的问题。', 'Nothing selected: tick open findings on the problem list.'],
  notice_text: ['通知正文', 'Text'],
  notice_submit: ['下发', 'Issue'],
  notices: ['整改通知列表', 'Notices'],
  issued: ['下发日期', 'Issued'],
  print: ['打印', 'Print'],
  printable: ['打印版', 'Printable'],
  notice_issued: ['已下发整改通知 {0}', 'Notice {0} issued'],
  notice_doc_title: ['整改通知书', 'Rectification notice'],
  notice_to: ['致：{0}', 'To: {0}'],
  notice_body: ['经检查，你单位存在以下安全问题，请于 {0} 前完成整改并报告。', 'The inspection found the problems below; rectify them and report by {0}.'],
  // glance
  findings_total: ['跟踪中的问题', 'Findings followed'],
  open_conflicts: ['待处理冲突', 'Open conflicts'],
  by_zone: ['按片区', 'By zone'],
  by_category: ['按类别', 'By category'],
  coverage: ['专项覆盖情况', 'Campaign coverage'],
  total_sites: ['学校总数', 'Sites'],
  assigned: ['已分配', 'Assigned'],
  inspected: ['已检查', 'Inspected'],
  not_visited: ['未检查的学校', 'Sites not yet visited'],
  n_sites: ['{0} 所', '{0} sites'],
  as_of: ['截至 {0}', 'as of {0}'],
  // campaigns
  teams: ['检查小组', 'Teams'],
  team: ['小组', 'Team'],
  name: ['名称', 'Name'],
  leader: ['组长', 'Leader'],
  members: ['成员', 'Members'],
  sites_assigned: ['分配学校数', 'Sites assigned'],
  create_team: ['新建小组', 'Create a team'],
  create_campaign: ['新建专项', 'Create a campaign'],
  starts: ['开始日期', 'From'],
  ends: ['结束日期（含）', 'To (inclusive)'],
  template: ['检查表', 'Checklist'],
  create: ['创建', 'Create'],
  assign_campaign: ['小组加入专项', 'Put teams on a campaign'],
  assign_sites: ['为小组分配学校', 'Assign sites to a team'],
  assign: ['分配', 'Assign'],
  teams_coverage: ['按小组', 'By team'],
  draw: ['抽查抽样', 'Spot-check draw'],
  schools: ['中小学数', 'Schools'],
  kindergartens: ['幼儿园数', 'Kindergartens'],
  seed: ['随机种子', 'Seed'],
  draw_preview: ['预览抽样', 'Preview the draw'],
  draw_submit: ['抽样并保存', 'Draw and save'],
  stratum: ['类别', 'Stratum'],
  eligible: ['可抽', 'Eligible'],
  excluded: ['已排除', 'Excluded'],
  requested: ['抽取', 'Requested'],
  saved: ['已保存。', 'Saved.'],
  choose: ['请选择', 'Choose'],
  // directory
  zones: ['片区', 'Zones'],
  sites: ['学校', 'Sites'],
  users: ['人员', 'Users'],
  assignments: ['分配', 'Assignments'],
  campaigns: ['专项', 'Campaigns'],
  code: ['代码', 'Code'],
  kind: ['类型', 'Kind'],
  address: ['地址', 'Address'],
  role: ['角色', 'Role'],
  active: ['在用', 'Active'],
  period: ['期间', 'Period'],
  search: ['搜索', 'Search'],
  include_inactive: ['包括停用的', 'Include inactive'],
  total_n: ['共 {0} 条', '{0} in all'],
  actions: ['操作', 'Actions'],
  rename: ['改名', 'Rename'],
  edit: ['修改', 'Edit'],
  save: ['保存', 'Save'],
  cancel: ['取消', 'Cancel'],
  deactivate: ['停用', 'Deactivate'],
  reactivate: ['恢复', 'Reactivate'],
  end_assignment: ['结束分配', 'End'],
  import: ['导入 CSV', 'Import a CSV file'],
  import_file: ['文件', 'File'],
  encoding: ['编码', 'Encoding'],
  update_existing: ['同时更新已有记录', 'Also update existing records'],
  preview: ['预览检查', 'Check (preview)'],
  confirm_import: ['确认导入', 'Import now'],
  import_rows: ['共 {0} 行：新建 {1}，不变 {2}，有差异 {3}', '{0} rows: {1} new, {2} unchanged, {3} different'],
  imported: ['已导入：新建 {0}，更新 {1}', 'Imported: {0} created, {1} updated'],
  line: ['行', 'Line'],
  old_value: ['原值', 'Old'],
  new_value: ['新值', 'New'],
  changed: ['已修改：{0}', 'Changed: {0}'],
  nothing_changed: ['没有变化：{0}', 'Nothing to change: {0}'],
  // tablets
  user: ['使用人', 'User'],
  client: ['安装编号', 'Install'],
  last_push: ['最近上传', 'Last push'],
  last_pull: ['最近同步', 'Last pull'],
  accepted: ['已接收', 'Accepted'],
  rejected: ['被拒绝', 'Rejected'],
  last_reject: ['最近拒绝原因', 'Last refusal'],
  conflicts_lost: ['冲突中落选', 'Conflicts lost'],
  // report
  report_make: ['生成专报', 'Make the report'],
  report_download: ['下载 HTML', 'Download HTML'],
  bad_date: ['日期格式应为 YYYY-MM-DD：{0}', 'A date is written YYYY-MM-DD: {0}'],
  need_fields: ['请填写：{0}', 'Please fill in: {0}'],
  live: ['实时', 'live'],
  // What kind of refusal, in the person's language, before the server's own
  // words (which are English today): errorText() below.
  err_UNAUTHENTICATED: ['未登录或登录已失效，请重新登录', 'Not signed in'],
  err_PERMISSION_DENIED: ['无权进行此操作', 'Not allowed'],
  err_INVALID_ARGUMENT: ['输入有误', 'Invalid input'],
  err_FAILED_PRECONDITION: ['当前状态下不能这样做', 'Not possible now'],
  err_NOT_FOUND: ['找不到', 'Not found'],
  err_ALREADY_EXISTS: ['已经存在', 'Already there'],
  err_ABORTED: ['与其他修改冲突，请重试', 'Clashed with another change; try again'],
  err_RESOURCE_EXHAUSTED: ['请求过多或内容过大，请稍后再试', 'Too many requests or too large'],
  err_UNAVAILABLE: ['服务器暂时不可用，请稍后再试', 'The server is unavailable for now'],
  login_wrong: ['用户名或密码错误', 'Wrong user name or password'],
  login_delayed: ['登录失败次数过多，请稍后再试', 'Too many failed sign-ins; wait before trying again'],
  login_refused: ['该账号不能登录办公控制台', 'This account may not sign in to the console'],
};

// The text of a refusal for a person: in Chinese, the kind of refusal in
// Chinese (`kinds` may name a view's own sentence per code) followed by the
// server's words; in English, the server's words.
export function errorText(e, kinds = {}) {
  const message = e instanceof Error || e?.message ? e.message : String(e);
  if (lang === 'en' || !e?.code) return message;
  const key = kinds[e.code] || `err_${e.code}`;
  const pair = S[key];
  return pair ? `${pair[0]}（${message}）` : message;
}

export function t(key, ...args) {
  const pair = S[key];
  let s = pair ? pair[lang === 'en' ? 1 : 0] : key;
  args.forEach((a, i) => { s = s.replace(`{${i}}`, String(a)); });
  return s;
}

// Enum names as proto3 JSON gives them -> words.
const E = {
  DRAFT: ['草稿', 'Draft'], OPEN: ['已登记', 'Open'], NOTIFIED: ['已通知', 'Notified'],
  IN_RECTIFICATION: ['整改中', 'In rectification'], RECTIFIED: ['已整改待复查', 'Rectified'],
  CLOSED: ['已销号', 'Closed'], REOPENED: ['复查未通过', 'Reopened'], VOIDED: ['已作废', 'Voided'],
  LOW: ['一般', 'Low'], MEDIUM: ['较重', 'Medium'], HIGH: ['严重', 'High'], CRITICAL: ['重大', 'Critical'],
  SPECIAL_CAMPAIGN: ['专项检查', 'Special campaign'], ROUTINE_VISIT: ['日常督导', 'Routine visit'],
  SPOT_CHECK: ['随机抽查', 'Spot check'],
  PRIMARY_SCHOOL: ['小学', 'Primary school'], MIDDLE_SCHOOL: ['中学', 'Middle school'],
  KINDERGARTEN: ['幼儿园', 'Kindergarten'],
  INSPECTOR: ['检查员', 'Inspector'], ZONE_DIRECTOR: ['片区负责人', 'Zone director'],
  OFFICE: ['办公室', 'Office'], INTEGRATION: ['系统对接', 'Integration'],
  PLANNED: ['未开始', 'Planned'], ACTIVE: ['进行中', 'Active'], FINISHED: ['已结束', 'Finished'],
  NOTICE_OPEN: ['整改中', 'Open'], NOTICE_OVERDUE: ['已逾期', 'Overdue'], NOTICE_CLOSED: ['已完成', 'Closed'],
  schools: ['中小学', 'Schools'], kindergartens: ['幼儿园', 'Kindergartens'],
  DESK: ['资料复查', 'Desk'], ON_SITE: ['现场复查', 'On site'],
  PASSED: ['通过', 'Passed'], FAILED: ['未通过', 'Failed'],
  CONFLICT_AUTO_RESOLVED: ['已自动处理', 'Auto-resolved'], CONFLICT_OPEN: ['待处理', 'Open'],
  CONFLICT_RESOLVED: ['已处理', 'Resolved'],
  CREATE: ['新建', 'Created'], PATCH: ['修改', 'Changed'], DELETE: ['删除', 'Deleted'],
};

export function label(name) {
  const pair = E[name];
  if (!pair) return name && !/_UNSPECIFIED$/.test(name) ? String(name) : '—';
  return pair[lang === 'en' ? 1 : 0];
}

// proto3 JSON gives int64 as strings.
export function num(v) { return v === undefined || v === null || v === '' ? 0 : Number(v); }

function pad(n) { return String(n).padStart(2, '0'); }

export function date(ms) {
  const v = num(ms);
  if (v <= 0) return '—';
  const d = new Date(v);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

export function dateTime(ms) {
  const v = num(ms);
  if (v <= 0) return '—';
  const d = new Date(v);
  return `${date(v)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

// "2026-12-31" -> unix ms at the start of that day (as core::ParseDate), or
// throws an Error whose message names the value.
export function parseDate(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(text).trim());
  const fail = () => { throw new Error(t('bad_date', text)); };
  if (!m) fail();
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) fail();
  return ms;
}

// A site as people know it: "PS-1 第一小学".
export function siteName(code, name) {
  return [code, name].filter(Boolean).join(' ') || '—';
}

// A person by name; a user id only when it is a readable login (as "office"),
// never a UUID.
export function person(ref) {
  if (ref?.name) return ref.name;
  const id = ref?.user_id || '';
  return id && !/^[0-9a-f]{8}-[0-9a-f]{4}-/i.test(id) ? id : '—';
}
