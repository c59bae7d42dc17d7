// The names people write for site kinds and roles, in English and Chinese.
//
// A district's spreadsheets say "小学" or "幼儿园", "督学" or "办公室", where
// the schema says PRIMARY_SCHOOL or INSPECTOR. Imports (core/office_import.h)
// and the command line accept both through these two functions, so a label
// means the same thing wherever it is typed. English names compare without
// regard to case, '-', '_' or spaces ("zone director" = ZONE_DIRECTOR);
// Chinese labels compare exactly.
//
// Thread-safety: pure functions over constant tables.
#ifndef INSPECTSYNC_CORE_LABELS_H_
#define INSPECTSYNC_CORE_LABELS_H_

#include <string_view>

#include "inspectsync/status.h"
#include "inspectsync/v1/records.pb.h"

namespace inspectsync::core {

// primary / primary_school / 小学, middle / middle_school / 初中 / 中学,
// kindergarten / 幼儿园. INVALID_ARGUMENT naming the label and listing the
// accepted ones otherwise.
StatusOr<v1::SiteKind> ParseSiteKindLabel(std::string_view label);

// inspector / 督学 / 责任督学 / 检查员, zone_director / 片区负责人 / 片长,
// office / 办公室 / 督导室, integration / 系统对接 / 系统集成 (DOMAIN.md's
// responsible supervisors, zone director, district office, and the office's
// own systems). INVALID_ARGUMENT naming the label otherwise.
StatusOr<v1::Role> ParseRoleLabel(std::string_view label);

// 小学, 初中, 幼儿园 for a site's kind; "" for an unknown value.
std::string_view SiteKindChinese(v1::SiteKind kind);

// The words a district's staff use for a finding's status, for output that
// people read beside the English name: 待处理 (OPEN), 已下发通知 (NOTIFIED),
// 整改中, 待复查 (RECTIFIED), 已销号 (CLOSED), 重新整改 (REOPENED), 已作废
// (VOIDED), 草稿 (DRAFT); "" for an unknown value.
std::string_view FindingStatusChinese(v1::FindingStatus status);

}  // namespace inspectsync::core

#endif  // INSPECTSYNC_CORE_LABELS_H_
