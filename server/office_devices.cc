// The console's "tablets" view (office.proto ListDevices): every client the
// server has heard from, as the store keeps it (storage ClientActivity: the
// ledger's marks and the counts SyncEngine::Push and the pull's throttled
// note write), with the conflicts each device lost.
//
// Cost: the clients table (one row per app install) and one pass over the
// conflicts (their losing side's device).
#include <algorithm>
#include <cstdint>
#include <unordered_map>

#include "server/finding_names.h"
#include "server/office_refs.h"
#include "server/office_writes.h"

namespace inspectsync::server {

StatusOr<v1::DeviceList> ListDevices(SyncEngine* engine, const Caller& caller, const v1::ListDevicesRequest&) {
  INSPECTSYNC_RETURN_IF_ERROR(
      office::RequireRole(caller, {Role::kOffice, Role::kIntegration}, "listing the devices that sync"));
  storage::ServerStore* store = engine->store();
  std::vector<storage::ClientActivity> clients;
  INSPECTSYNC_RETURN_IF_ERROR(store->ListClients(&clients));

  std::unordered_map<std::string, uint64_t> lost;  // device id -> conflicts its side lost
  storage::ConflictFilter all;
  all.limit = static_cast<size_t>(INT64_MAX);  // every conflict, every state
  INSPECTSYNC_RETURN_IF_ERROR(store->ScanConflicts(all, [&](const storage::ConflictEntry& e) -> StatusOr<bool> {
    if (!e.conflict.loser().device_id().empty()) ++lost[e.conflict.loser().device_id()];
    return true;
  }));
  auto names = FindingNames::Read(store);
  if (!names.ok()) return names.status();

  v1::DeviceList out;
  out.set_as_of_ms(engine->options().clock->NowMillis());
  for (const storage::ClientActivity& c : clients) {
    v1::DeviceRow* row = out.add_devices();
    row->set_client_id(c.client_id);
    row->set_device_id(c.device);
    row->mutable_user()->set_user_id(c.user_id);
    row->mutable_user()->set_name(names->UserName(c.user_id));
    row->set_last_push_ms(c.last_push_ms);
    row->set_last_pull_ms(c.last_pull_ms);
    row->set_last_mutation_id(c.last_mutation_id);
    row->set_accepted(c.accepted);
    row->set_rejected(c.rejected);
    if (v1::RejectCode_IsValid(c.last_reject_code)) row->set_last_reject_code(static_cast<v1::RejectCode>(c.last_reject_code));
    row->set_last_reject_reason(c.last_reject_reason);
    row->set_last_reject_ms(c.last_reject_ms);
    if (auto it = lost.find(c.device); !c.device.empty() && it != lost.end()) row->set_conflicts_lost(it->second);
  }
  auto heard = [](const v1::DeviceRow& d) { return std::max(d.last_push_ms(), d.last_pull_ms()); };
  std::stable_sort(out.mutable_devices()->begin(), out.mutable_devices()->end(),
                   [&](const v1::DeviceRow& a, const v1::DeviceRow& b) { return heard(a) > heard(b); });
  return out;
}

}  // namespace inspectsync::server
