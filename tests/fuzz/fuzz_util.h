// Shared by the fuzz targets: property checks that stop the fuzzer with a
// readable message, and a structure-aware mutator for protobuf inputs.
//
// Inputs are protobuf wire bytes. Plain byte mutations of wire bytes mostly
// produce messages that fail parsing or break a UUID, so most of the time the
// mutator parses the input, makes one to three changes through reflection with
// values that matter here (valid UUIDs, collection and field names, strings at
// and just over their length limits, HLCs around the drift limit, every
// enum value), and serializes it again; the rest of the time it leaves the
// bytes to libFuzzer's own mutations.
#ifndef INSPECTSYNC_TESTS_FUZZ_FUZZ_UTIL_H_
#define INSPECTSYNC_TESTS_FUZZ_FUZZ_UTIL_H_

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/stubs/logging.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/hlc.h"
#include "core/schema.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace inspectsync::fuzz {

namespace pb = google::protobuf;

// The ManualClock default (2026-01-01): the server's "now" in every target.
inline constexpr int64_t kNowMs = 1'767'225'600'000;
inline constexpr int64_t kDriftMs = 15 * 60 * 1000;  // core::ValidationLimits default

// Runs before a property violation ends the process (e.g. to remove scratch files).
inline std::function<void()>& FailureHook() {
  static std::function<void()> hook;
  return hook;
}
inline void OnFailure(std::function<void()> fn) { FailureHook() = std::move(fn); }

[[noreturn]] inline void Fail(const char* file, int line, const char* cond, const std::string& detail) {
  std::fprintf(stderr, "\n==== FUZZ PROPERTY VIOLATED at %s:%d\n  check: %s\n  %s\n", file, line, cond, detail.c_str());
  std::fflush(stderr);
  if (FailureHook()) std::exchange(FailureHook(), nullptr)();
  std::abort();  // libFuzzer reports it as a crash and writes the input to crash-<sha1>
}

// Stops the fuzzer when a property does not hold; `detail` (a std::string
// expression) is only evaluated then.
#define FUZZ_CHECK(cond, detail)                                                            \
  do {                                                                                      \
    if (!(cond)) ::inspectsync::fuzz::Fail(__FILE__, __LINE__, #cond, std::string(detail)); \
  } while (0)

// INSPECTSYNC_FUZZ_VERBOSE=1: the targets print what they did with each input
// (handy with a reproducer: `build-fuzz/tests/fuzz/fuzz_push crash-...`).
inline bool Verbose() {
  static const bool verbose = [] {
    const char* v = std::getenv("INSPECTSYNC_FUZZ_VERBOSE");
    return v != nullptr && *v != '\0' && *v != '0';
  }();
  return verbose;
}

// Protobuf logs every string field with invalid UTF-8 it refuses to parse;
// most mutated inputs have one. Call from LLVMFuzzerInitialize.
inline void QuietProtobuf() { pb::SetLogHandler(nullptr); }

// Values the mutator picks from.
struct Dictionary {
  std::vector<std::string> strings;
  std::vector<uint64_t> numbers;
};

inline const Dictionary& DefaultDictionary() {
  static const Dictionary* dict = [] {
    auto* d = new Dictionary;
    // A few fixed ids so that mutations of one input name the same records and clients.
    d->strings = {
        "0190a000-0000-7000-8000-00000000c001",
        "0190a000-0000-7000-8000-00000000c002",
        "0190a000-0000-7000-8000-00000000c003",
        "0190a000-0000-7000-8000-0000000000f1",
        "0190a000-0000-7000-8000-0000000000f2",
        "0190a000-0000-7000-8000-0000000000a1",
        "0190A000-0000-7000-8000-0000000000F1",  // upper case: not canonical
        "0190a000-0000-7000-8000-0000000000f",   // one digit short
        "not-a-uuid",
        "",
        "notices",
        "findings ",
        "Findings",
    };
    for (const core::CollectionSpec* spec : core::AllCollections()) {
      d->strings.push_back(spec->name());
      for (const core::FieldSpec& fs : spec->fields()) {
        d->strings.push_back(fs.field->name());
        if (fs.field->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING) {
          d->strings.push_back(std::string(fs.max_len, 'x'));
          d->strings.push_back(std::string(fs.max_len + 1, 'x'));
        }
      }
    }
    d->strings.push_back("site_id.nested");
    d->strings.push_back("deleted");
    for (const char* s : {"fire-safety", "wiring", "a", "b", "c", "sha256:00", "The alarm is broken."})
      d->strings.push_back(s);
    d->numbers = {0,
                  1,
                  2,
                  3,
                  4,
                  5,
                  7,
                  8,
                  9,
                  10,
                  11,
                  14,
                  100,
                  1000,
                  1001,
                  static_cast<uint64_t>(kNowMs),
                  static_cast<uint64_t>(kNowMs + 86'400'000),
                  static_cast<uint64_t>(-1),
                  static_cast<uint64_t>(INT64_MAX),
                  static_cast<uint64_t>(INT64_MIN),
                  static_cast<uint64_t>(INT32_MAX),
                  UINT32_MAX};
    for (int64_t off :
         std::initializer_list<int64_t>{-86'400'000, -1, 0, 1, kDriftMs, kDriftMs + 1, 3'600'000, int64_t{1} << 40})
      for (uint32_t logical : {0u, 1u, 0xFFFFu}) d->numbers.push_back(core::Hlc::Pack(kNowMs + off, logical));
    return d;
  }();
  return *dict;
}

class StructuredMutator {
 public:
  StructuredMutator(uint32_t seed, const Dictionary& dict) : rng_(seed), dict_(dict) {}

  // One random structural change somewhere in `msg`.
  void Mutate(pb::Message* msg) {
    std::vector<Slot> slots;
    Collect(msg, 0, &slots);
    if (slots.empty()) return;
    const Slot& s = slots[Below(slots.size())];
    const pb::Reflection* r = s.msg->GetReflection();
    const pb::FieldDescriptor* f = s.field;
    if (f->is_repeated()) {
      int n = r->FieldSize(*s.msg, f);
      if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING && Below(8) == 0) {
        // Many distinct items at once: item limits, and SET merges whose union outgrows them.
        std::string prefix(1, static_cast<char>('a' + Below(26)));
        for (int i = 0, k = 1 + static_cast<int>(Below(64)); i < k; ++i)
          r->AddString(s.msg, f, prefix + std::to_string(i));
        return;
      }
      switch (n == 0 ? 0 : Below(4)) {
        case 0:  // add
          if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
            std::unique_ptr<pb::Message> copy;
            if (const pb::Message* like = SameType(msg, f->message_type()); like && Below(2) == 0) {
              copy.reset(like->New());
              copy->CopyFrom(*like);
            }
            pb::Message* added = r->AddMessage(s.msg, f);
            if (copy) added->CopyFrom(*copy);
          } else {
            AddScalar(s.msg, f);
          }
          return;
        case 1:  // remove one (the last, after moving a random one there)
          r->SwapElements(s.msg, f, static_cast<int>(Below(n)), n - 1);
          r->RemoveLast(s.msg, f);
          return;
        case 2:  // reorder
          r->SwapElements(s.msg, f, static_cast<int>(Below(n)), static_cast<int>(Below(n)));
          return;
        default:  // change one element in place
          if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
            Mutate(r->MutableRepeatedMessage(s.msg, f, static_cast<int>(Below(n))));
          } else if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING) {
            int i = static_cast<int>(Below(n));
            r->SetRepeatedString(s.msg, f, i, NewString(r->GetRepeatedString(*s.msg, f, i)));
          } else {
            AddScalar(s.msg, f);
            r->SwapElements(s.msg, f, static_cast<int>(Below(n)), n);
            r->RemoveLast(s.msg, f);
          }
          return;
      }
    }
    switch (f->cpp_type()) {
      case pb::FieldDescriptor::CPPTYPE_MESSAGE:
        if (r->HasField(*s.msg, f) && Below(3) == 0) {
          r->ClearField(s.msg, f);
        } else if (const pb::Message* like = SameType(msg, f->message_type()); like && Below(2) == 0) {
          std::unique_ptr<pb::Message> copy(like->New());
          copy->CopyFrom(*like);  // `like` may live inside the destination
          r->MutableMessage(s.msg, f)->CopyFrom(*copy);
        } else {
          r->MutableMessage(s.msg, f);  // set it (empty); later mutations fill it
        }
        return;
      case pb::FieldDescriptor::CPPTYPE_STRING: r->SetString(s.msg, f, NewString(r->GetString(*s.msg, f))); return;
      case pb::FieldDescriptor::CPPTYPE_ENUM: r->SetEnumValue(s.msg, f, NewEnum(f)); return;
      case pb::FieldDescriptor::CPPTYPE_BOOL: r->SetBool(s.msg, f, !r->GetBool(*s.msg, f)); return;
      case pb::FieldDescriptor::CPPTYPE_INT32:
        r->SetInt32(s.msg, f, static_cast<int32_t>(NewNumber(static_cast<uint64_t>(r->GetInt32(*s.msg, f)))));
        return;
      case pb::FieldDescriptor::CPPTYPE_INT64:
        r->SetInt64(s.msg, f, static_cast<int64_t>(NewNumber(static_cast<uint64_t>(r->GetInt64(*s.msg, f)))));
        return;
      case pb::FieldDescriptor::CPPTYPE_UINT32:
        r->SetUInt32(s.msg, f, static_cast<uint32_t>(NewNumber(r->GetUInt32(*s.msg, f))));
        return;
      case pb::FieldDescriptor::CPPTYPE_UINT64: r->SetUInt64(s.msg, f, NewNumber(r->GetUInt64(*s.msg, f))); return;
      default: return;  // no float/double fields in our messages
    }
  }

  // Copies a random sub-message of `from` over (or into) a place of the same
  // type in `into`: e.g. a Mutation of one request appended to another.
  void CrossOver(pb::Message* into, const pb::Message& from) {
    std::vector<Slot> slots;
    Collect(into, 0, &slots);
    std::vector<Slot> msg_slots;
    for (const Slot& s : slots)
      if (s.field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) msg_slots.push_back(s);
    if (msg_slots.empty()) return;
    const Slot& s = msg_slots[Below(msg_slots.size())];
    const pb::Message* src = SameType(&from, s.field->message_type());
    if (src == nullptr) return;
    const pb::Reflection* r = s.msg->GetReflection();
    if (s.field->is_repeated()) {
      r->AddMessage(s.msg, s.field)->CopyFrom(*src);
    } else {
      r->MutableMessage(s.msg, s.field)->CopyFrom(*src);
    }
  }

  uint64_t Below(uint64_t n) { return n == 0 ? 0 : rng_() % n; }

 private:
  struct Slot {
    pb::Message* msg;
    const pb::FieldDescriptor* field;
  };

  static constexpr int kMaxDepth = 8;

  // Every field of every message in the tree, set or not.
  void Collect(pb::Message* m, int depth, std::vector<Slot>* out) {
    if (depth > kMaxDepth) return;
    const pb::Descriptor* d = m->GetDescriptor();
    const pb::Reflection* r = m->GetReflection();
    for (int i = 0; i < d->field_count(); ++i) {
      const pb::FieldDescriptor* f = d->field(i);
      out->push_back(Slot{m, f});
      if (f->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) continue;
      if (f->is_repeated()) {
        for (int j = 0; j < r->FieldSize(*m, f); ++j) Collect(r->MutableRepeatedMessage(m, f, j), depth + 1, out);
      } else if (r->HasField(*m, f)) {
        Collect(r->MutableMessage(m, f), depth + 1, out);
      }
    }
  }

  // A random message of type `d` in the tree under `m`, or nullptr.
  const pb::Message* SameType(const pb::Message* m, const pb::Descriptor* d) {
    std::vector<const pb::Message*> found;
    FindAll(*m, d, 0, &found);
    return found.empty() ? nullptr : found[Below(found.size())];
  }
  static void FindAll(const pb::Message& m, const pb::Descriptor* d, int depth, std::vector<const pb::Message*>* out) {
    if (depth > kMaxDepth) return;
    if (m.GetDescriptor() == d) out->push_back(&m);
    const pb::Reflection* r = m.GetReflection();
    std::vector<const pb::FieldDescriptor*> set;
    r->ListFields(m, &set);
    for (const pb::FieldDescriptor* f : set) {
      if (f->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) continue;
      if (f->is_repeated()) {
        for (int j = 0; j < r->FieldSize(m, f); ++j) FindAll(r->GetRepeatedMessage(m, f, j), d, depth + 1, out);
      } else {
        FindAll(r->GetMessage(m, f), d, depth + 1, out);
      }
    }
  }

  std::string NewString(const std::string& old) {
    switch (Below(4)) {
      case 0: {  // libFuzzer's byte mutations of the old value
        std::vector<uint8_t> buf(old.begin(), old.end());
        size_t cap = old.size() * 2 + 16;
        buf.resize(cap);
        size_t n = LLVMFuzzerMutate(buf.data(), old.size(), cap);
        return std::string(reinterpret_cast<const char*>(buf.data()), n);
      }
      case 1: return old + dict_.strings[Below(dict_.strings.size())].substr(0, 8);
      default: return dict_.strings[Below(dict_.strings.size())];
    }
  }

  int NewEnum(const pb::FieldDescriptor* f) {
    const pb::EnumDescriptor* e = f->enum_type();
    if (Below(8) == 0) return static_cast<int>(Below(24)) - 2;  // undefined values too
    return e->value(static_cast<int>(Below(e->value_count())))->number();
  }

  uint64_t NewNumber(uint64_t old) {
    switch (Below(4)) {
      case 0: return old + 1;
      case 1: return old - 1;
      default: return dict_.numbers[Below(dict_.numbers.size())];
    }
  }

  void AddScalar(pb::Message* m, const pb::FieldDescriptor* f) {
    const pb::Reflection* r = m->GetReflection();
    switch (f->cpp_type()) {
      case pb::FieldDescriptor::CPPTYPE_STRING: r->AddString(m, f, NewString("")); break;
      case pb::FieldDescriptor::CPPTYPE_ENUM: r->AddEnumValue(m, f, NewEnum(f)); break;
      case pb::FieldDescriptor::CPPTYPE_BOOL: r->AddBool(m, f, Below(2) == 0); break;
      case pb::FieldDescriptor::CPPTYPE_INT32: r->AddInt32(m, f, static_cast<int32_t>(NewNumber(0))); break;
      case pb::FieldDescriptor::CPPTYPE_INT64: r->AddInt64(m, f, static_cast<int64_t>(NewNumber(0))); break;
      case pb::FieldDescriptor::CPPTYPE_UINT32: r->AddUInt32(m, f, static_cast<uint32_t>(NewNumber(0))); break;
      case pb::FieldDescriptor::CPPTYPE_UINT64: r->AddUInt64(m, f, NewNumber(0)); break;
      default: break;
    }
  }

  std::minstd_rand rng_;
  const Dictionary& dict_;
};

// LLVMFuzzerCustomMutator for a target whose input is a serialized `Msg`.
template <class Msg>
size_t MutateProtoInput(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  std::minstd_rand rng(seed);
  Msg msg;
  if (rng() % 4 == 0 || !msg.ParseFromArray(data, static_cast<int>(size)))
    return LLVMFuzzerMutate(data, size, max_size);
  StructuredMutator mut(static_cast<uint32_t>(rng()), DefaultDictionary());
  for (int i = 0, n = 1 + static_cast<int>(rng() % 3); i < n; ++i) mut.Mutate(&msg);
  std::string out;
  if (!msg.SerializeToString(&out) || out.size() > max_size) return LLVMFuzzerMutate(data, size, max_size);
  std::memcpy(data, out.data(), out.size());
  return out.size();
}

// LLVMFuzzerCustomCrossOver for the same: a sub-message of one input grafted
// into the other; a byte splice when either does not parse.
template <class Msg>
size_t CrossOverProtoInputs(const uint8_t* d1, size_t s1, const uint8_t* d2, size_t s2, uint8_t* out, size_t max_out,
                            unsigned int seed) {
  std::minstd_rand rng(seed);
  Msg a, b;
  std::string bytes;
  if (a.ParseFromArray(d1, static_cast<int>(s1)) && b.ParseFromArray(d2, static_cast<int>(s2))) {
    StructuredMutator mut(static_cast<uint32_t>(rng()), DefaultDictionary());
    mut.CrossOver(&a, b);
    a.SerializeToString(&bytes);
  }
  if (bytes.empty() || bytes.size() > max_out) {
    size_t head = s1 ? rng() % (s1 + 1) : 0, tail = s2 ? rng() % (s2 + 1) : 0;
    bytes.assign(reinterpret_cast<const char*>(d1), head);
    bytes.append(reinterpret_cast<const char*>(d2) + tail, s2 - tail);
    if (bytes.size() > max_out) bytes.resize(max_out);
  }
  std::memcpy(out, bytes.data(), bytes.size());
  return bytes.size();
}

}  // namespace inspectsync::fuzz

#endif  // INSPECTSYNC_TESTS_FUZZ_FUZZ_UTIL_H_
