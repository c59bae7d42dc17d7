#include "core/labels.h"

#include <cctype>
#include <string>

#include "core/quote.h"

namespace inspectsync::core {

namespace {

template <typename Enum>
struct Label {
  const char* text;
  Enum value;
};

// Both tables: English spellings as they normalize (below), then Chinese.
constexpr Label<v1::SiteKind> kSiteKinds[] = {
    {"PRIMARY", v1::PRIMARY_SCHOOL},     {"PRIMARYSCHOOL", v1::PRIMARY_SCHOOL}, {"MIDDLE", v1::MIDDLE_SCHOOL},
    {"MIDDLESCHOOL", v1::MIDDLE_SCHOOL}, {"KINDERGARTEN", v1::KINDERGARTEN},    {"小学", v1::PRIMARY_SCHOOL},
    {"初中", v1::MIDDLE_SCHOOL},         {"中学", v1::MIDDLE_SCHOOL},           {"幼儿园", v1::KINDERGARTEN},
};

constexpr Label<v1::Role> kRoles[] = {
    {"INSPECTOR", v1::INSPECTOR},      {"ZONEDIRECTOR", v1::ZONE_DIRECTOR}, {"OFFICE", v1::OFFICE},
    {"INTEGRATION", v1::INTEGRATION},  {"督学", v1::INSPECTOR},             {"责任督学", v1::INSPECTOR},
    {"检查员", v1::INSPECTOR},         {"片区负责人", v1::ZONE_DIRECTOR},   {"片长", v1::ZONE_DIRECTOR},
    {"办公室", v1::OFFICE},            {"督导室", v1::OFFICE},              {"系统对接", v1::INTEGRATION},
    {"系统集成", v1::INTEGRATION},
};

// ASCII upper case without '-', '_' and spaces; other bytes (Chinese) as they are.
std::string Normalize(std::string_view s) {
  std::string out;
  for (char ch : s) {
    if (ch == '-' || ch == '_' || ch == ' ') continue;
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  return out;
}

template <typename Enum, size_t N>
bool Find(const Label<Enum> (&table)[N], std::string_view label, Enum* out) {
  const std::string key = Normalize(label);
  for (const auto& l : table)
    if (key == l.text) {
      *out = l.value;
      return true;
    }
  return false;
}

}  // namespace

StatusOr<v1::SiteKind> ParseSiteKindLabel(std::string_view label) {
  v1::SiteKind kind;
  if (Find(kSiteKinds, label, &kind)) return kind;
  return InvalidArgument("kind " + Quote(label) +
                         " is not one of primary (小学), middle (初中, 中学), kindergarten (幼儿园)");
}

StatusOr<v1::Role> ParseRoleLabel(std::string_view label) {
  v1::Role role;
  if (Find(kRoles, label, &role)) return role;
  return InvalidArgument("role " + Quote(label) +
                         " is not one of inspector (督学, 责任督学, 检查员), zone_director (片区负责人, 片长), "
                         "office (办公室, 督导室), integration (系统对接, 系统集成)");
}

std::string_view SiteKindChinese(v1::SiteKind kind) {
  switch (kind) {
    case v1::PRIMARY_SCHOOL: return "小学";
    case v1::MIDDLE_SCHOOL: return "初中";
    case v1::KINDERGARTEN: return "幼儿园";
    default: return "";
  }
}

std::string_view FindingStatusChinese(v1::FindingStatus status) {
  switch (status) {
    case v1::DRAFT: return "草稿";
    case v1::OPEN: return "待处理";
    case v1::NOTIFIED: return "已下发通知";
    case v1::IN_RECTIFICATION: return "整改中";
    case v1::RECTIFIED: return "待复查";
    case v1::CLOSED: return "已销号";
    case v1::REOPENED: return "重新整改";
    case v1::VOIDED: return "已作废";
    default: return "";
  }
}

}  // namespace inspectsync::core
