#include "tools/device_creates.h"

#include <limits>

#include "core/clock.h"
#include "core/hlc.h"
#include "core/ids.h"
#include "core/validate.h"
#include "storage/device_store.h"

namespace inspectsync::tools {

StatusOr<CreatesDone> CreateWithIds(const std::string& db_path, const std::vector<Edit>& creates) {
  auto store = storage::DeviceStore::Open(db_path, core::NewUuidV7());
  if (!store.ok()) return store.status();
  storage::DeviceStore& s = **store;
  core::Hlc hlc(core::SystemClock(), s.last_hlc());
  // As the SDK does: drift is the server's call (our HLC may run ahead of our
  // wall clock after observing the server's).
  core::ValidationLimits limits;
  limits.max_clock_drift_ms = std::numeric_limits<int64_t>::max();
  CreatesDone done;
  std::vector<v1::Mutation> ms;
  for (size_t i = 0; i < creates.size(); ++i) {
    const Edit& e = creates[i];
    if (e.op != Edit::Op::kCreate || e.id.empty())
      return InvalidArgument("edit " + std::to_string(i) + " is not a create with an id");
    auto existing = s.GetView(e.collection, e.id);
    if (!existing.ok()) return existing.status();
    if (existing->has_value() && !(*existing)->deleted) {
      ++done.already_there;
      continue;
    }
    v1::Mutation m;
    m.set_client_id(s.client_id());
    m.set_mutation_id(s.next_mutation_id() + ms.size());
    m.set_collection(e.collection);
    m.set_record_id(e.id);
    m.set_op(v1::CREATE);
    *m.mutable_body() = e.body;
    m.set_hlc(hlc.Now());
    core::Rejection r = core::ValidateMutation(m, limits, core::SystemClock()->NowMillis());
    if (!r.ok()) return InvalidArgument(e.collection + " " + e.id + ": " + r.reason);
    ms.push_back(std::move(m));
  }
  if (!ms.empty()) INSPECTSYNC_RETURN_IF_ERROR(s.AppendMutations(ms, hlc.last()));
  done.created = ms.size();
  return done;
}

}  // namespace inspectsync::tools
