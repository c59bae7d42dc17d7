#include "server/integration_conflicts.h"

#include <algorithm>
#include <ctime>
#include <map>
#include <set>

#include "core/export.h"  // IsoTime
#include "core/ids.h"
#include "core/patch.h"
#include "core/record_bounds.h"
#include "core/quote.h"
#include "core/schema.h"
#include "server/finding_names.h"
#include "server/site_directory.h"

namespace inspectsync::server {

namespace {

constexpr char kTokenPrefix[] = "c1.";
constexpr int64_t kDayMs = 24LL * 60 * 60 * 1000;

// Resolving is the office's: a resolution overrules what someone wrote.
Status CheckResolver(const Caller& caller) {
  auto role = ParseRole(caller.role);
  if (!role.ok()) return role.status();
  if (*role == Role::kSystem || *role == Role::kOffice || *role == Role::kIntegration) return Status::Ok();
  return Status(StatusCode::kPermissionDenied,
                "resolving a conflict is for the office and its systems (roles office and integration); this "
                "caller's role is " + caller.role + ", which may list the conflicts of its own sites");
}

// The scope keys a query of an inspector or zone director covers: what the
// query names, narrowed to the caller's scope, or the whole scope. A site
// or zone named outside it is PERMISSION_DENIED naming the value typed (as
// ReportContext does for zones): a tablet asking for another school is
// told so, not shown an empty list it would read as "no conflicts". The
// message never names a site the caller cannot see by its name.
Status NarrowToScope(const Scope& scope, const v1::ConflictQuery& q, const core::SiteDirectory& sites,
                     storage::ConflictFilter* f) {
  for (const std::string& site : q.site_ids())
    if (!scope.Contains(site))
      return Status(StatusCode::kPermissionDenied,
                    "site " + core::Quote(site) + " is not one of your sites; you see the conflicts of the sites "
                    "you are assigned to");
  for (const std::string& zone : q.zone_ids()) {
    bool some = scope.Contains(zone);
    for (const auto& [id, info] : sites) some = some || (info.zone_id == zone && scope.Contains(id));
    if (!some)
      return Status(StatusCode::kPermissionDenied,
                    "zone " + core::Quote(zone) + " holds none of your sites; you see the conflicts of the sites "
                    "you are assigned to");
  }
  if (!f->filter_scopes) {
    f->filter_scopes = true;
    f->scopes = scope.keys;
    return Status::Ok();
  }
  std::vector<std::string> mine;
  for (std::string& k : f->scopes)
    if (scope.Contains(k)) mine.push_back(std::move(k));
  f->scopes = std::move(mine);
  return Status::Ok();
}

std::string FormatTime(int64_t ms) { return core::IsoTime(ms); }

size_t Utf8Chars(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

v1::ConflictRow MakeRow(const storage::ConflictEntry& e, const core::SiteDirectory& sites,
                        int64_t now_ms) {
  v1::ConflictRow row;
  *row.mutable_conflict() = e.conflict;
  if (!e.scope.empty()) {
    if (const core::SiteInfo* site = core::FindSite(sites, e.scope)) {
      row.set_site_id(e.scope);
      row.set_site_code(site->code);
      row.set_site_name(site->name);
    }
    row.set_zone_id(core::ZoneOfScope(sites, e.scope));  // a zone-scoped record's scope is its zone
  }
  row.set_opened_ms(e.conflict.opened_ms());
  row.set_age_days(now_ms > e.conflict.opened_ms() ? (now_ms - e.conflict.opened_ms()) / kDayMs : 0);
  row.set_resolved_by(e.conflict.resolved_by());
  row.set_resolved_ms(e.conflict.resolved_ms());
  row.set_resolved_version(e.conflict.resolved_version());
  row.set_resolution_note(e.conflict.resolution_note());
  return row;
}

// What a person calls a record: a finding's title, a site's or team's name;
// "" for collections without either.
std::string RecordTitle(const storage::StoredRecord& rec, const core::CollectionSpec& spec) {
  std::unique_ptr<google::protobuf::Message> m(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(spec.descriptor())->New());
  if (!m->ParseFromString(rec.body)) return "";
  for (const char* name : {"title", "name"}) {
    const google::protobuf::FieldDescriptor* f = spec.descriptor()->FindFieldByName(name);
    if (f != nullptr && !f->is_repeated() && f->type() == google::protobuf::FieldDescriptor::TYPE_STRING)
      return m->GetReflection()->GetString(*m, f);
  }
  return "";
}

// Fills the names of `rows` (ConflictRow 10..16): the zone's and people's
// from the directories, each record's title by a point read. Runs after the
// scan, never inside it (finding_names.h says why); one read per record.
Status FillNames(storage::ServerStore* store, google::protobuf::RepeatedPtrField<v1::ConflictRow>* rows) {
  auto names = FindingNames::Read(store);
  if (!names.ok()) return names.status();
  std::map<std::pair<std::string, std::string>, std::string> titles;
  for (v1::ConflictRow& row : *rows) {
    const v1::Conflict& c = row.conflict();
    row.set_zone_name(names->ZoneName(row.zone_id()));
    row.set_winner_name(names->UserName(c.winner().author()));
    row.set_loser_name(names->UserName(c.loser().author()));
    if (!row.resolved_by().empty()) row.set_resolved_by_name(names->UserName(row.resolved_by()));
    auto key = std::make_pair(c.collection(), c.record_id());
    auto it = titles.find(key);
    if (it == titles.end()) {
      std::string title;
      const core::CollectionSpec* spec = core::FindCollection(c.collection());
      auto rec = store->GetRecord(c.collection(), c.record_id());
      if (!rec.ok()) return rec.status();
      if (spec != nullptr && rec->has_value()) title = RecordTitle(**rec, *spec);
      it = titles.emplace(key, std::move(title)).first;
    }
    row.set_record_title(it->second);
  }
  return Status::Ok();
}

bool SideIs(const v1::Conflict& c, const std::string& user) {
  return c.winner().author() == user || c.loser().author() == user;
}

Status DecodeToken(const std::string& token, storage::ConflictFilter* f) {
  auto bad = [&] { return InvalidArgument("page_token " + core::Quote(token) + " is not a token this list gave out"); };
  if (token.rfind(kTokenPrefix, 0) != 0) return bad();
  size_t a = sizeof(kTokenPrefix) - 1;
  size_t dot = token.find('.', a);
  if (dot == std::string::npos || dot == a) return bad();
  uint64_t version = 0;
  for (size_t i = a; i < dot; ++i) {
    if (token[i] < '0' || token[i] > '9' || version > (UINT64_MAX - 9) / 10) return bad();
    version = version * 10 + static_cast<uint64_t>(token[i] - '0');
  }
  std::string id = token.substr(dot + 1);
  if (!core::IsUuid(id)) return bad();
  f->after_version = version;
  f->after_id = id;
  return Status::Ok();
}

}  // namespace

std::string EncodeConflictToken(uint64_t version, const std::string& id) {
  return kTokenPrefix + std::to_string(version) + "." + id;
}

StatusOr<v1::ConflictPage> ListConflicts(SyncEngine* engine, const Caller& caller, const v1::ConflictQuery& q) {
  auto role = ParseRole(caller.role);
  if (!role.ok()) return role.status();
  const bool scoped = *role == Role::kInspector || *role == Role::kZoneDirector;
  if (q.page_size() > kMaxConflictPage)
    return InvalidArgument("page_size " + std::to_string(q.page_size()) + " exceeds the limit of " +
                           std::to_string(kMaxConflictPage));
  if (q.opened_before_ms() < 0) return InvalidArgument("opened_before_ms must not be negative");
  if (!q.collection().empty() && core::FindCollection(q.collection()) == nullptr)
    return InvalidArgument("unknown collection " + core::Quote(q.collection()) + "; this server knows: " + core::CollectionNames());
  storage::ConflictFilter f;
  f.collection = q.collection();
  f.record_id = q.record_id();
  f.id = q.conflict_id();
  f.opened_before_ms = q.opened_before_ms();
  for (int s : q.states()) {
    if (!v1::ConflictState_IsValid(s) || s == v1::CONFLICT_STATE_UNSPECIFIED)
      return InvalidArgument("states holds " + std::to_string(s) +
                             ", not a conflict state (CONFLICT_OPEN, CONFLICT_AUTO_RESOLVED, CONFLICT_RESOLVED)");
    f.states.push_back(static_cast<v1::ConflictState>(s));
  }
  if (f.states.empty()) f.states.push_back(v1::CONFLICT_OPEN);
  if (!q.page_token().empty()) INSPECTSYNC_RETURN_IF_ERROR(DecodeToken(q.page_token(), &f));

  auto sites = ReadSiteDirectory(engine->store(), /*include_deleted=*/true);
  if (!sites.ok()) return sites.status();
  if (q.site_ids_size() > 0 || q.zone_ids_size() > 0) {
    // The scope keys to list: the sites named, the sites of the zones named
    // (and the zones themselves), or where both are given, what both allow.
    std::set<std::string> by_site(q.site_ids().begin(), q.site_ids().end());
    std::set<std::string> by_zone(q.zone_ids().begin(), q.zone_ids().end());
    for (const auto& [site, info] : *sites)
      if (q.zone_ids_size() > 0 && std::count(q.zone_ids().begin(), q.zone_ids().end(), info.zone_id) > 0)
        by_zone.insert(site);
    f.filter_scopes = true;
    for (const auto& k : q.site_ids_size() > 0 ? by_site : by_zone)
      if (q.site_ids_size() == 0 || q.zone_ids_size() == 0 || by_zone.count(k)) f.scopes.push_back(k);
  }
  if (scoped) {
    // The same scope the caller's pulls have (server/access.h), never more.
    auto scope = engine->ScopeOf(caller);
    if (!scope.ok()) return scope.status();
    INSPECTSYNC_RETURN_IF_ERROR(NarrowToScope(*scope, q, *sites, &f));
  }

  const size_t page = q.page_size() ? q.page_size() : kDefaultConflictPage;
  // Without an inspector filter SQL stops at the page; with one the scan
  // reads on until it has found a page (authors live in the conflict body).
  f.limit = q.inspector().empty() ? page + 1 : SIZE_MAX >> 2;
  const int64_t now = engine->options().clock->NowMillis();
  v1::ConflictPage out;
  out.set_as_of_ms(now);
  // Bounded by bytes too (EngineOptions::max_page_bytes, less the token and
  // time): a conflict can carry whole records (an update-vs-delete keeps the
  // record as its winner), so 1,000 of them could outgrow any message.
  constexpr size_t kPageEnvelopeBytes = 128;
  const size_t budget = std::max(engine->options().max_page_bytes, kPageEnvelopeBytes + 1) - kPageEnvelopeBytes;
  size_t bytes = 0;
  bool more = false;
  Status st = engine->store()->ScanConflicts(f, [&](const storage::ConflictEntry& e) -> StatusOr<bool> {
    if (!q.inspector().empty() && !SideIs(e.conflict, q.inspector())) return true;
    if (static_cast<size_t>(out.conflicts_size()) == page) {
      more = true;
      return false;
    }
    v1::ConflictRow row = MakeRow(e, *sites, now);
    size_t b = core::DelimitedBytes(row.ByteSizeLong());
    if (out.conflicts_size() > 0 && bytes + b > budget) {
      more = true;  // the next page starts at this conflict
      return false;
    }
    bytes += b;
    *out.add_conflicts() = std::move(row);
    return true;
  });
  if (!st.ok()) return st;
  INSPECTSYNC_RETURN_IF_ERROR(FillNames(engine->store(), out.mutable_conflicts()));
  // The names came after the budget was counted: rows they pushed past it
  // start the next page instead (never the first row: a page holds one).
  bytes = 0;
  for (const v1::ConflictRow& row : out.conflicts()) bytes += core::DelimitedBytes(row.ByteSizeLong());
  while (out.conflicts_size() > 1 && bytes > budget) {
    bytes -= core::DelimitedBytes(out.conflicts(out.conflicts_size() - 1).ByteSizeLong());
    out.mutable_conflicts()->RemoveLast();
    more = true;
  }
  if (more) {
    const v1::Conflict& last = out.conflicts(out.conflicts_size() - 1).conflict();
    out.set_next_page_token(EncodeConflictToken(last.version(), last.id()));
  }
  return out;
}

namespace {

// An older conflict on a field a later conflict has since settled by a
// person: resolving it as asked would overwrite that later decision, made on
// newer values, without anyone seeing it — the clerk working down the list
// oldest first would undo a colleague's review. Refusing (FAILED_PRECONDITION:
// the state must change first, not a retry) names the later conflict, who
// settled it, when and to what, which is what the clerk needs to decide;
// applying and reporting it would have already lost the later value from the
// record. A resolution that keeps the value the field has now overwrites
// nothing and is accepted, so the older conflict can still be closed.
Status CheckNoLaterResolution(SyncEngine* engine, const v1::Conflict& c, const core::CollectionSpec& spec,
                              const core::FieldSpec& fs, const v1::RecordBody& value, const std::string& stored_body) {
  std::unique_ptr<google::protobuf::Message> current(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(spec.descriptor())->New());
  if (!current->ParseFromString(stored_body))
    return DataLoss("stored body of " + c.collection() + "/" + c.record_id() + " is corrupt");
  if (core::FieldEquals(spec.Get(value), *current, fs)) return Status::Ok();
  storage::ConflictFilter filter;
  filter.collection = c.collection();
  filter.record_id = c.record_id();
  filter.states = {v1::CONFLICT_RESOLVED};
  std::vector<v1::Conflict> resolved;
  INSPECTSYNC_RETURN_IF_ERROR(engine->store()->ListConflicts(filter, &resolved));
  const v1::Conflict* later = nullptr;
  for (const v1::Conflict& r : resolved)
    if (r.id() != c.id() && r.field() == c.field() && r.version() > c.version() &&
        (later == nullptr || r.resolved_version() > later->resolved_version()))
      later = &r;
  if (later == nullptr) return Status::Ok();
  // The value as a person reads it: text fields (the REVIEW ones) quoted.
  const google::protobuf::FieldDescriptor* f = fs.field;
  std::string now_value;
  if (!f->is_repeated() && f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_STRING &&
      f->type() != google::protobuf::FieldDescriptor::TYPE_BYTES)
    now_value = ", " + c.field() + " now " + core::Quote(current->GetReflection()->GetString(*current, f));
  return FailedPrecondition("conflict " + c.id() + " on " + c.field() + " is older than conflict " + later->id() +
                            " on the same field, which " + later->resolved_by() + " resolved at " +
                            FormatTime(later->resolved_ms()) + " (version " +
                            std::to_string(later->resolved_version()) + now_value +
                            "); resolving this one as asked would overwrite that decision. Keep the value it has now " +
                            "to close this conflict, or change the record itself");
}

}  // namespace

StatusOr<v1::ResolveConflictResponse> ResolveConflict(SyncEngine* engine, const Caller& caller,
                                                      const v1::ResolveConflictRequest& req) {
  INSPECTSYNC_RETURN_IF_ERROR(CheckResolver(caller));
  if (req.conflict_id().empty()) return InvalidArgument("conflict_id is missing: name the conflict to resolve");
  if (!core::IsUuid(req.conflict_id()))
    return InvalidArgument("conflict_id " + core::Quote(req.conflict_id()) + " is not a conflict id (a lowercase UUID)");
  bool chosen = (req.choice_case() == v1::ResolveConflictRequest::kKeepWinner && req.keep_winner()) ||
                (req.choice_case() == v1::ResolveConflictRequest::kTakeLoser && req.take_loser()) ||
                req.choice_case() == v1::ResolveConflictRequest::kValue;
  if (!chosen) return InvalidArgument("choose how to resolve it: keep_winner, take_loser or a new value");
  if (Utf8Chars(req.note()) > kMaxResolutionNoteChars)
    return InvalidArgument("note is " + std::to_string(Utf8Chars(req.note())) + " characters; the limit is " +
                           std::to_string(kMaxResolutionNoteChars));

  auto entry = engine->store()->GetConflict(req.conflict_id());
  if (!entry.ok()) return entry.status();
  if (!entry->has_value()) return NotFound("no conflict with id " + req.conflict_id());
  const v1::Conflict& c = (*entry)->conflict;
  auto already = [&](const v1::Conflict& r) {
    return FailedPrecondition("conflict " + r.id() + " was already resolved by " + r.resolved_by() + " at " +
                              FormatTime(r.resolved_ms()) + " (version " + std::to_string(r.resolved_version()) + ")");
  };
  if (c.state() == v1::CONFLICT_RESOLVED) return already(c);
  const core::CollectionSpec* spec = core::FindCollection(c.collection());
  if (spec == nullptr) return Internal("conflict " + c.id() + " is on unknown collection '" + c.collection() + "'");
  if (c.field() == "deleted")
    return FailedPrecondition("conflict " + c.id() + " records an update racing a delete, settled for audit (the update " +
                              "won and the record was kept); there is no value to choose. To remove the record, " +
                              "delete or void it as usual");
  const core::FieldSpec* fs = spec->FindField(c.field());
  if (fs == nullptr) return Internal("conflict " + c.id() + " names '" + c.field() + "', not a field of " + c.collection());

  v1::RecordBody value;
  switch (req.choice_case()) {
    case v1::ResolveConflictRequest::kKeepWinner: value = c.winner_value(); break;
    case v1::ResolveConflictRequest::kTakeLoser: value = c.loser_value(); break;
    default: {
      value = req.value();
      const core::CollectionSpec* of = core::CollectionOf(value);
      if (of != spec)
        return InvalidArgument("value must be a " + spec->descriptor()->name() + " (collection " + c.collection() +
                               ") with only '" + c.field() + "' set; it holds " +
                               (of ? "a " + of->descriptor()->name() : std::string("nothing")));
      std::vector<const google::protobuf::FieldDescriptor*> set;
      spec->Get(value).GetReflection()->ListFields(spec->Get(value), &set);
      for (const google::protobuf::FieldDescriptor* f : set)
        if (f != fs->field)
          return InvalidArgument("value sets '" + f->name() + "'; conflict " + c.id() + " is about '" + c.field() +
                                 "' only: set just that field");
      std::vector<const core::FieldSpec*> only{fs};
      if (Status s = core::ValidateFields(*spec, spec->Get(value), &only, engine->options().limits.max_string_bytes);
          !s.ok())
        return InvalidArgument("value: " + s.message());
    }
  }
  if (!spec->Holds(value)) spec->Mutable(&value);  // a stored side without the field set: the empty value

  auto rec = engine->store()->GetRecord(c.collection(), c.record_id());
  if (!rec.ok()) return rec.status();
  if (!rec->has_value() || (*rec)->deleted)
    return FailedPrecondition(c.collection() + " record " + c.record_id() + " of conflict " + c.id() +
                              (rec->has_value() ? " is deleted" : " is not on the server") + "; there is nothing to resolve");

  INSPECTSYNC_RETURN_IF_ERROR(CheckNoLaterResolution(engine, c, *spec, *fs, value, (*rec)->body));

  v1::Mutation m;
  m.set_collection(c.collection());
  m.set_record_id(c.record_id());
  m.set_op(v1::PATCH);
  m.mutable_mask()->add_paths(c.field());
  core::CopyField(spec->Get(value), fs->field, spec->Mutable(m.mutable_body()));

  const int64_t now = engine->options().clock->NowMillis();
  v1::Conflict resolved;
  WriteOptions wo;
  wo.version_unchanged = true;  // keeping what is there is a decision too: a version records it
  auto results = engine->WriteAll(
      {m}, caller,
      [&](storage::ServerWriteTxn& txn, const std::vector<v1::MutationResult>& rs) -> Status {
        // Read again inside the transaction: another resolution may have won the race.
        auto cur = txn.GetConflict(c.id());
        if (!cur.ok()) return cur.status();
        if (!cur->has_value()) return NotFound("no conflict with id " + c.id());
        if ((*cur)->state() == v1::CONFLICT_RESOLVED) return already(**cur);
        resolved = **cur;
        resolved.set_state(v1::CONFLICT_RESOLVED);
        resolved.set_resolved_by(caller.user);
        resolved.set_resolved_ms(now);
        resolved.set_resolved_version(rs.at(0).record().version());
        resolved.set_resolution_note(req.note());
        return txn.UpdateConflict(resolved);
      },
      wo);
  if (!results.ok()) return results.status();

  auto sites = ReadSiteDirectory(engine->store(), /*include_deleted=*/true);
  if (!sites.ok()) return sites.status();
  storage::ConflictEntry e;
  e.conflict = resolved;
  if (e.conflict.opened_ms() == 0) e.conflict.set_opened_ms((*entry)->conflict.opened_ms());
  e.scope = (*entry)->scope;
  v1::ResolveConflictResponse out;
  *out.mutable_conflict() = MakeRow(e, *sites, now);
  google::protobuf::RepeatedPtrField<v1::ConflictRow> one;
  *one.Add() = *out.mutable_conflict();
  INSPECTSYNC_RETURN_IF_ERROR(FillNames(engine->store(), &one));
  *out.mutable_conflict() = std::move(one[0]);
  *out.mutable_record() = results->at(0).record();
  return out;
}

}  // namespace inspectsync::server
