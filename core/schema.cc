#include "core/schema.h"

#include <cstdio>
#include <cstdlib>

namespace inspectsync::core {

class SchemaBuilder {
 public:
  static std::vector<CollectionSpec> Build() {
    std::vector<CollectionSpec> out;
    const pb::Descriptor* body = v1::RecordBody::descriptor();
    for (int i = 0; i < body->field_count(); ++i) {
      const pb::FieldDescriptor* member = body->field(i);
      const pb::Descriptor* msg = member->message_type();
      CollectionSpec spec;
      spec.name_ = msg->options().GetExtension(v1::collection);
      spec.descriptor_ = msg;
      spec.body_field_ = member;
      spec.deletable_ = msg->options().GetExtension(v1::deletable);
      spec.scope_is_id_ = msg->options().GetExtension(v1::scope_is_id);
      spec.reference_ = msg->options().GetExtension(v1::reference);
      spec.immutable_ = msg->options().GetExtension(v1::immutable);
      if (spec.name_.empty()) Die(msg->full_name() + " has no (collection) option");
      for (int f = 0; f < msg->field_count(); ++f) {
        const pb::FieldDescriptor* fd = msg->field(f);
        FieldSpec fs;
        fs.field = fd;
        fs.policy = fd->options().GetExtension(v1::merge);
        if (fs.policy == v1::MERGE_POLICY_UNSPECIFIED) Die(fd->full_name() + " declares no (merge) policy");
        bool message = fd->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE;
        if (fs.policy == v1::SET && !fd->is_repeated()) Die(fd->full_name() + ": SET needs a repeated field");
        if (fd->is_repeated() && fs.policy != v1::SET && !(message && fs.policy == v1::LWW))
          Die(fd->full_name() + ": a repeated field must be SET (or LWW for a list of messages, one value as a whole)");
        if (fs.policy == v1::SET && fd->cpp_type() != pb::FieldDescriptor::CPPTYPE_STRING && !message)
          Die(fd->full_name() + ": SET holds strings or messages");
        // Nested messages are values (compared and merged whole, as their
        // deterministic encoding), only inside repeated fields.
        if (message && !fd->is_repeated()) Die(fd->full_name() + ": a nested message must be a repeated field");
        if (message) CheckNested(fd->message_type());
        if (uint32_t v = fd->options().GetExtension(v1::max_len)) fs.max_len = v;
        if (uint32_t v = fd->options().GetExtension(v1::max_items)) fs.max_items = v;
        fs.server_only = fd->options().GetExtension(v1::server_only);
        fs.scope_key = fd->options().GetExtension(v1::scope_key);
        fs.fixed = fs.scope_key || fd->options().GetExtension(v1::fixed);
        fs.unix_ms = fd->options().GetExtension(v1::unix_ms);
        CheckTime(fd, fs.unix_ms);
        fs.references = fd->options().GetExtension(v1::references);
        fs.reference_may_be_pending = fd->options().GetExtension(v1::reference_may_be_pending);
        if (!fs.references.empty() && fd->cpp_type() != pb::FieldDescriptor::CPPTYPE_STRING)
          Die(fd->full_name() + ": (references) holds record ids, strings");
        if (fs.reference_may_be_pending && fs.references.empty())
          Die(fd->full_name() + ": (reference_may_be_pending) needs (references)");
        fs.with_lifecycle = fd->options().GetExtension(v1::with_lifecycle);
        if (fs.with_lifecycle && (fs.policy == v1::SET || fs.policy == v1::LIFECYCLE || fs.fixed || fs.server_only))
          Die(fd->full_name() + ": (with_lifecycle) is for a single value a status move writes, not a set, a status, "
                                "a fixed or a server-only field");
        if (fs.scope_key && (fd->is_repeated() || fd->cpp_type() != pb::FieldDescriptor::CPPTYPE_STRING))
          Die(fd->full_name() + ": a scope key must be a singular string");
        spec.fields_.push_back(fs);
      }
      for (const FieldSpec& fs : spec.fields_) {
        if (fs.scope_key) spec.scope_fields_.push_back(&fs);
        if (fs.policy == v1::LIFECYCLE && fs.field->enum_type() == v1::FindingStatus_descriptor()) {
          // One status per record: two would each move on their own, and the
          // rules (initial status, transitions, invariants) would not know which counts.
          if (spec.lifecycle_field_ != nullptr) Die(msg->full_name() + " has two FindingStatus LIFECYCLE fields");
          spec.lifecycle_field_ = &fs;
        }
      }
      for (const FieldSpec& fs : spec.fields_)
        if (fs.with_lifecycle && spec.lifecycle_field_ == nullptr)
          Die(fs.field->full_name() + ": (with_lifecycle) in a message without a lifecycle field");
      if (spec.scope_is_id_ && !spec.scope_fields_.empty())
        Die(msg->full_name() + ": (scope_is_id) and (scope_key) fields exclude each other");
      out.push_back(std::move(spec));
    }
    for (const CollectionSpec& spec : out)
      for (const FieldSpec& fs : spec.fields_) {
        bool known = fs.references.empty();
        for (const CollectionSpec& other : out) known |= other.name_ == fs.references;
        if (!known) Die(fs.field->full_name() + ": (references) names no collection ('" + fs.references + "')");
      }
    return out;
  }

 private:
  // Elements of nested lists hold scalars, enums and strings only.
  static void CheckNested(const pb::Descriptor* d) {
    for (int i = 0; i < d->field_count(); ++i) {
      const pb::FieldDescriptor* f = d->field(i);
      if (f->is_repeated() || f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE)
        Die(f->full_name() + ": elements of a record's list hold scalars, enums and strings only");
      if (LooksLikeTime(f)) Die(f->full_name() + ": a time inside a record's list is not range-checked; make it a field");
    }
  }
  // A time field declares (unix_ms), so its range is checked: the name is
  // the project's convention for times, and a field that follows it without
  // the option would take any number.
  static bool LooksLikeTime(const pb::FieldDescriptor* f) {
    const std::string& n = f->name();
    return f->cpp_type() == pb::FieldDescriptor::CPPTYPE_INT64 && n.size() > 3 && n.compare(n.size() - 3, 3, "_ms") == 0;
  }
  static void CheckTime(const pb::FieldDescriptor* f, bool unix_ms) {
    if (unix_ms && (f->is_repeated() || f->cpp_type() != pb::FieldDescriptor::CPPTYPE_INT64))
      Die(f->full_name() + ": (unix_ms) needs a singular int64");
    if (!unix_ms && LooksLikeTime(f)) Die(f->full_name() + " looks like a time: declare (unix_ms) = true");
  }
  // A schema mistake is a programming error caught by the first test run.
  [[noreturn]] static void Die(const std::string& why) {
    std::fprintf(stderr, "inspectsync schema error: %s\n", why.c_str());
    std::abort();
  }
};

namespace {
const std::vector<CollectionSpec>& Specs() {
  static const std::vector<CollectionSpec>* specs = new std::vector<CollectionSpec>(SchemaBuilder::Build());
  return *specs;
}
}  // namespace

const FieldSpec* CollectionSpec::FindField(std::string_view name) const {
  for (const auto& f : fields_)
    if (f.field->name() == name) return &f;
  return nullptr;
}

const FieldSpec* CollectionSpec::FindFieldByNumber(int number) const {
  for (const auto& f : fields_)
    if (f.field->number() == number) return &f;
  return nullptr;
}

std::string CollectionSpec::ScopeOf(const pb::Message& rec, const std::string& id) const {
  if (scope_is_id_) return id;
  for (const FieldSpec* fs : scope_fields_) {
    std::string v = rec.GetReflection()->GetString(rec, fs->field);
    if (!v.empty()) return v;
  }
  return std::string();
}

std::string ScopeOfBody(const v1::RecordBody& body, const std::string& id) {
  const CollectionSpec* spec = CollectionOf(body);
  return spec == nullptr ? std::string() : spec->ScopeOf(spec->Get(body), id);
}

bool CollectionSpec::Holds(const v1::RecordBody& body) const {
  return body.GetReflection()->HasField(body, body_field_);
}

const pb::Message& CollectionSpec::Get(const v1::RecordBody& body) const {
  return body.GetReflection()->GetMessage(body, body_field_);
}

pb::Message* CollectionSpec::Mutable(v1::RecordBody* body) const {
  return body->GetReflection()->MutableMessage(body, body_field_);
}

const CollectionSpec* FindCollection(std::string_view name) {
  for (const auto& s : Specs())
    if (s.name() == name) return &s;
  return nullptr;
}

const std::vector<const CollectionSpec*>& AllCollections() {
  static const std::vector<const CollectionSpec*>* all = [] {
    auto* v = new std::vector<const CollectionSpec*>();
    for (const auto& s : Specs()) v->push_back(&s);
    return v;
  }();
  return *all;
}

const CollectionSpec* CollectionOf(const v1::RecordBody& body) {
  for (const auto& s : Specs())
    if (s.Holds(body)) return &s;
  return nullptr;
}

std::string CollectionNames() {
  std::string out;
  for (const auto& s : Specs()) {
    if (!out.empty()) out += ", ";
    out += s.name();
  }
  return out;
}

const char* PolicyName(v1::MergePolicy p) {
  switch (p) {
    case v1::LWW: return "LWW";
    case v1::LIFECYCLE: return "LIFECYCLE";
    case v1::MAX: return "MAX";
    case v1::SET: return "SET";
    case v1::REVIEW: return "REVIEW";
    default: return "UNSPECIFIED";
  }
}

}  // namespace inspectsync::core
