#include "tools/device_creates.h"

namespace inspectsync::tools {

StatusOr<CreatesDone> CreateNew(Client& client, const std::vector<Edit>& creates) {
  CreatesDone done;
  std::vector<Edit> fresh;
  for (size_t i = 0; i < creates.size(); ++i) {
    const Edit& e = creates[i];
    if (e.op != Edit::Op::kCreate || e.id.empty())
      return InvalidArgument("edit " + std::to_string(i) + " is not a create with an id");
    auto existing = client.Get(e.collection, e.id);
    if (existing.ok()) {
      ++done.already_there;
      continue;
    }
    if (existing.status().code() != StatusCode::kNotFound) return existing.status();
    fresh.push_back(e);
  }
  if (!fresh.empty()) {
    auto ids = client.Apply(fresh);
    if (!ids.ok()) return ids.status();
  }
  done.created = fresh.size();
  return done;
}

}  // namespace inspectsync::tools
