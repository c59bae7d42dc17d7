// The inspection workflow's rules that involve more than one record (DOMAIN.md,
// DESIGN.md "The finding lifecycle"): a finding moves to NOTIFIED through a
// rectification notice of its site that lists it, to CLOSED through a passed
// verification of it, to REOPENED through a failed one and with a later
// deadline; an inspection uses a published template version (and its
// campaign's); a template version is published once, under an id derived from
// (key, version), and never changes. And, for every field the schema marks
// (references) — a finding's inspection_id, notice_id and verification_id,
// a notice's finding_ids, a verification's finding_id — what an edit makes
// it name is a record the caller can see, of the same site: a finding of one
// school never points at another school's notice or verification.
//
// Rules on one record alone (statuses, lengths, fixed fields) are in
// validate.h and lifecycle.h. These run where the other records are at hand:
// on the server inside the push transaction (so they see exactly what the
// mutation is applied to), and in the SDK against the device's own copy, so
// a tablet refuses locally what the server would refuse, in the same words.
#ifndef INSPECTSYNC_CORE_WORKFLOW_H_
#define INSPECTSYNC_CORE_WORKFLOW_H_

#include <cstdint>
#include <memory>
#include <string>

#include "core/schema.h"
#include "core/validate.h"
#include "inspectsync/status.h"

namespace inspectsync::core {

// Reads the current live version of another record; nullptr if there is
// none (never created, or deleted). An error is a storage failure, not a rule.
class RecordLookup {
 public:
  virtual ~RecordLookup() = default;
  virtual StatusOr<std::unique_ptr<pb::Message>> Find(const CollectionSpec& spec, const std::string& id) = 0;
};

// Rules on a record being created, beyond its own fields. A rejection has
// code WORKFLOW (another record is missing or does not fit) or INVALID.
// A record the lookup does not return reads as missing, in the same words
// whether it does not exist or the caller may not see it.
StatusOr<Rejection> CheckCreateRules(const CollectionSpec& spec, const std::string& id, const pb::Message& rec,
                                     RecordLookup& lookup);

// Rules on a change of a record from `before` (what it is now) to `after`
// (what it would become, after any merge). Only moves that take effect are
// checked: a status move that lost a merge to a concurrent one is data.
StatusOr<Rejection> CheckChangeRules(const CollectionSpec& spec, const std::string& id, const pb::Message& before,
                                     const pb::Message& after, RecordLookup& lookup);

// New work at a site out of service: an inspection, or a finding outside an
// inspection already underway, created at a site whose record is deactivated
// (Site.deactivated, OfficeService.CorrectSite) is refused (WORKFLOW),
// naming the site by code and name. Judged where the record is created, by
// what its writer knows then: the SDK before it queues a create (its own
// copy of the site), the server for server-side creates (SyncEngine::
// WriteAll). Never on a push: a tablet may have recorded the work offline
// before it learned of the deactivation, and that work is kept
// (docs/DESIGN-NOTES.md, "Deactivated sites take no new work").
StatusOr<Rejection> CheckNewWorkSite(const CollectionSpec& spec, const pb::Message& rec, RecordLookup& lookup);

// The record id of template version (key, version): a name-based UUID
// (version 8 layout), the same on every device, so two offices publishing
// "the same" version collide (ALREADY_EXISTS) instead of forking it.
std::string TemplateRecordId(const std::string& key, uint32_t version);

}  // namespace inspectsync::core

#endif  // INSPECTSYNC_CORE_WORKFLOW_H_
